/**
 * A `cryptoutil` executable whose services are the template's notes test service and its barrier
 * variant, so that end-to-end tests run real processes of template-built services. It prints
 * `slow request arrived` when a `slow` request reaches its handler: drain tests wait for that line.
 */
// @ts-nocheck

import { runProcess } from '../cli/process.ts';
import { notesService, slowRequests } from './notes-service/index.ts';
import { sealedNotesService } from './notes-service/sealed.ts';

slowRequests.on('arrived', () => { process.stdout.write('slow request arrived\n'); });
await runProcess([notesService, sealedNotesService]);
