/**
 * A `cryptoutil` executable whose services are the template's notes test service and its barrier
 * variant, so that end-to-end tests run real processes of template-built services.
 */
import { runProcess } from '../cli/process.ts';
import { notesService } from './notes-service/index.ts';
import { sealedNotesService } from './notes-service/sealed.ts';

await runProcess([notesService, sealedNotesService]);
