import { ApiError } from './objects.ts';

/** The ApiError an API call throws, for tests that assert its status and reason; anything else is rethrown. */
export function apiErrorOf(action: () => unknown): ApiError {
  try {
    action();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}
