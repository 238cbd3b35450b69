/**
 * `cryptoutil` with every public and admin port moved by an offset, for a build whose
 * `cryptoutil up` has no `--port-offset` yet: `node offset-cli.ts <offset> up ...`. The docs test
 * must not bind the suite's fixed ports, so that it passes while a developer's `npm start` runs.
 */
import { runProcess } from '../../services/template/cli/process.ts';
import { services } from '../../services/registry.ts';

const [offsetArgument = ''] = process.argv.splice(2, 1);
const offset = Number.parseInt(offsetArgument, 10);
if (!Number.isInteger(offset) || offset < 0) throw new Error('usage: offset-cli.ts <port offset> <cryptoutil arguments>');
await runProcess(services.map((service) => ({ ...service, publicPort: service.publicPort + offset, upAdminPort: service.upAdminPort + offset })));
