/**
 * Rate limits far above what any test or bench sends. Tests, benches and their ingest processes
 * all call from one address (127.0.0.1, or none in-process), often into one shared database, so
 * the production limits would let one test's requests trip another's. The limits' own tests set
 * theirs.
 */
export const GENEROUS_LIMITS: Readonly<Record<string, string>> = {
  VIGIL_RATE_ADDRESS_FAILURES: '1000000',
  VIGIL_RATE_CREDENTIAL_FAILURES: '1000000',
  VIGIL_RATE_PHONE_REQUESTS: '1000000',
  VIGIL_RATE_PUBLIC_REQUESTS: '1000000',
};
