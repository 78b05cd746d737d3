import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs. Secrets never reach the logger: these paths are censored as a second line of defence. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'vigil-ingest' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['*.password', '*.secret', '*.token', '*.accessToken', '*.refreshToken', '*.privateKey', 'headers'],
        censor: '[redacted]',
      },
    },
    destination
  );
}
