/**
 * The notes test service with a barrier: the same API, but each note body is stored sealed under
 * the barrier, bound by AAD to its note. Template tests use it to exercise the 503 gate, the
 * `barrier` readiness check, the unseal admin rows, `init`, and a restart with other shares.
 */
import type { ServiceDefinition } from '../../service.ts';
import { NotFoundError } from '../../errors/index.ts';
import { uuidv7 } from '../../database/index.ts';
import type { Barrier } from '../../barrier/contract.ts';
import { Note, notesHandlers, notesService } from './index.ts';

/** The record a body ciphertext belongs to: a body copied onto another note never decrypts. */
const bodyAad = (id: string): string => `notes:${id}:body`;

async function sealBody(barrier: Barrier, id: string, body: string): Promise<string> {
  return Buffer.from(await barrier.encrypt(new TextEncoder().encode(body), bodyAad(id))).toString('base64url');
}

async function openBody(barrier: Barrier, note: Note): Promise<Record<string, unknown>> {
  const body = new TextDecoder().decode(await barrier.decrypt(Buffer.from(note.body, 'base64url'), bodyAad(note.id)));
  return { id: note.id, title: note.title, body, createdAt: note.createdAt.toISOString() };
}

export const sealedNotesService: ServiceDefinition = {
  ...notesService,
  name: 'sealed-notes',
  summary: 'template test service whose note bodies are kept under the barrier',
  barrier: true,
  setup(runtime) {
    const { barrier } = runtime;
    if (barrier === undefined) throw new Error('sealed-notes runs only with its barrier');
    return {
      operations: {
        ...notesHandlers,
        async createNote(ctx) {
          const input = ctx.state.body as { title: string; body: string };
          const id = uuidv7();
          const note = ctx.state.em.create(Note, { id, title: input.title, body: await sealBody(barrier, id, input.body) });
          await ctx.state.em.flush();
          ctx.status = 201;
          ctx.body = await openBody(barrier, note);
        },
        async listNotes(ctx) {
          const page = ctx.state.query.page as number;
          const size = ctx.state.query.size as number;
          const [notes, total] = await ctx.state.em.findAndCount(Note, {}, { orderBy: { id: 'desc' }, limit: size, offset: page * size });
          ctx.body = { items: await Promise.all(notes.map((note) => openBody(barrier, note))), page, size, total };
        },
        async getNote(ctx) {
          const note = await ctx.state.em.findOne(Note, { id: ctx.state.params.id as string });
          if (note === null) throw new NotFoundError('no such note');
          ctx.body = await openBody(barrier, note);
        },
      },
    };
  },
};
