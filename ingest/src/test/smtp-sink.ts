import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export type ReceivedMail = {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  /** The whole message with quoted-printable soft breaks and escapes undone, for searching. */
  readonly body: string;
};

export type SmtpSink = {
  /** `smtp://user:password@127.0.0.1:<port>`, the value for VIGIL_SMTP_URL. */
  readonly url: string;
  readonly received: ReceivedMail[];
  /** While set, the server refuses every message after its data (a 451, as a full or broken server would). */
  refuse(refusing: boolean): void;
  close(): Promise<void>;
};

/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1 and a free port, requiring the
 * given login, without TLS (so nodemailer sends in plain text over loopback), keeping what it
 * accepts.
 */
export async function startSmtpSink(login = { user: 'vigil', pass: 'p@ss word' }): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  let refusing = false;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, done) {
      if (auth.username === login.user && auth.password === login.pass) done(null, { user: auth.username });
      else done(new Error('invalid login'));
    },
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (refusing) {
          done(Object.assign(new Error('mailbox temporarily unavailable'), { responseCode: 451 }));
          return;
        }
        // Bytes as latin1 characters, one to one, so decoding can rebuild UTF-8 sequences.
        const raw = Buffer.concat(chunks).toString('latin1');
        received.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: /^Subject: (.*)$/m.exec(raw.replace(/\r?\n[ \t]+/g, ' '))?.[1]?.trim() ?? '',
          body: decodeQuotedPrintable(raw),
        });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://${encodeURIComponent(login.user)}:${encodeURIComponent(login.pass)}@127.0.0.1:${port}`,
    received,
    refuse: (value) => void (refusing = value),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function decodeQuotedPrintable(latin1: string): string {
  const decoded = latin1
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(decoded, 'latin1').toString('utf8');
}
