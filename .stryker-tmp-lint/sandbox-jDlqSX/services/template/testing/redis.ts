/**
 * The Redis server the tests that share rate-limit counters use: CRYPTOUTIL_TEST_REDIS_URL, as
 * CRYPTOUTIL_TEST_POSTGRES_URL names the PostgreSQL server (default redis://127.0.0.1:6379).
 */
// @ts-nocheck

export const TEST_REDIS_URL = process.env.CRYPTOUTIL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
