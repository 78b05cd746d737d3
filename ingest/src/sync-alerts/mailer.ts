import { createTransport } from 'nodemailer';
import type { Config } from '../config.ts';

export type MailMessage = {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
};

/** Outgoing mail. `enabled` is false when no SMTP server is configured; `send` then always fails. */
export type Mailer = { readonly enabled: boolean; send(message: MailMessage): Promise<void> };

/**
 * A mailer over nodemailer's SMTP transport, from `VIGIL_SMTP_URL` (credentials, port and
 * `smtps:` for TLS on connect all come from the URL; `smtp:` upgrades with STARTTLS when the
 * server offers it). A new connection per message: digests are a few a day.
 */
export function createMailer(config: Config['mail']): Mailer {
  const { smtpUrl } = config;
  if (smtpUrl === undefined) {
    return {
      enabled: false,
      send: () => Promise.reject(new Error('mail is off: VIGIL_SMTP_URL is not set')),
    };
  }
  // Short timeouts: the check runs on request too, and an unreachable server should fail the
  // send (to be retried next run) rather than hang it for nodemailer's default minutes.
  const transport = createTransport({
    url: smtpUrl,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
  return {
    enabled: true,
    async send(message) {
      await transport.sendMail({
        from: config.from,
        to: [...message.to],
        subject: message.subject,
        text: message.text,
        ...(message.html !== undefined && { html: message.html }),
      });
    },
  };
}
