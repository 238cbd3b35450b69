/**
 * A listener whose port is taken. The message names the port and what moves it, because the
 * bare `EADDRINUSE` a newcomer sees otherwise says neither. `code` stays `EADDRINUSE`.
 */
// @ts-nocheck


/** The two listeners of a service (DESIGN "Two HTTPS listeners per service"). */
export type ListenerName = 'public' | 'admin';

export interface TakenPort {
  readonly service: string;
  readonly listener: ListenerName;
  readonly address: string;
  readonly port: number;
}

/** What moves a listener's port under `cryptoutil <service> start`: its key and variable. */
export function startRemedy(listener: ListenerName): string {
  return `set ${listener}.port (or CRYPTOUTIL_${listener.toUpperCase()}_PORT) to move it`;
}

export class PortInUseError extends Error {
  readonly code = 'EADDRINUSE';
  readonly taken: TakenPort;

  constructor(taken: TakenPort, remedy: string, cause?: unknown) {
    super(`${taken.service}: ${taken.listener} port ${String(taken.port)} on ${taken.address} is already in use (EADDRINUSE); ${remedy}`, { cause });
    this.name = 'PortInUseError';
    this.taken = taken;
  }
}

/** Turns a bind failure into a PortInUseError when the port is taken; any other error passes unchanged. */
export function explainBindFailure(error: unknown, taken: TakenPort): unknown {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE' ? new PortInUseError(taken, startRemedy(taken.listener), error) : error;
}
