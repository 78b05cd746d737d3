import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs. Secrets never reach the logger: these paths are censored as a second line of defence. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'vigil-ingest' },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: describeError },
      redact: {
        paths: ['*.password', '*.secret', '*.token', '*.accessToken', '*.refreshToken', '*.privateKey', 'headers'],
        censor: '[redacted]',
      },
    },
    destination
  );
}

export type LoggedError = {
  type: string;
  message: string;
  code?: string;
  errno?: number;
  stack?: string;
  cause?: LoggedError | string;
};

// A quoted literal, unless it names a column, key or table (which say where, not what).
const QUOTED_LITERAL = /(\b(?:column|key|table|field|database|index|constraint)\s+)?(['"])(?:(?!\2)[^\\]|\\.)*\2/gi;
const SQL_STATEMENT = /^\s*(?:select|insert|update|delete|replace|alter|create|drop|with|call|set)\b/i;

/**
 * What is logged of an error: its kind, code and message, never its values. Database errors carry
 * the statement and its bound values (knex puts both in the message, mysql2 adds `sql`; a message
 * such as "Duplicate entry '…'" quotes the value itself), and a password hash was once logged that
 * way. So only name, code, errno and a message with every quoted literal blanked are kept, and the
 * stack's frames without its first line (which repeats the message).
 */
export function describeError(err: unknown, depth = 0): LoggedError | string {
  if (!(err instanceof Error)) return withoutValues(String(err));
  const { code, errno, sqlMessage, cause } = err as Error & Record<string, unknown>;
  const described: LoggedError = {
    type: err.name,
    message: withoutValues(typeof sqlMessage === 'string' ? sqlMessage : err.message),
  };
  if (typeof code === 'string') described.code = code;
  if (typeof errno === 'number') described.errno = errno;
  const frames = err.stack
    ?.split('\n')
    .filter((line) => line.startsWith('    at '))
    .join('\n');
  if (frames) described.stack = frames;
  if (cause !== undefined && depth < 3) described.cause = describeError(cause, depth + 1);
  return described;
}

function withoutValues(message: string): string {
  let text = message.replace(QUOTED_LITERAL, (literal, naming: string | undefined) => (naming ? literal : '?'));
  // knex prefixes the driver's message with the whole statement: `insert into … values (…) - <message>`.
  if (SQL_STATEMENT.test(text)) {
    const dash = text.lastIndexOf(' - ');
    text = dash >= 0 ? text.slice(dash + 3) : '(a SQL statement)';
  }
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
