/**
 * A `cryptoutil` executable whose only service is the template's notes test service, so that
 * end-to-end tests run real processes of a template-built service.
 */
import { runProcess } from '../cli/process.ts';
import { notesService } from './notes-service/index.ts';

await runProcess([notesService]);
