import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The plain pages a patient sees after opening a connect link or coming back from the provider:
 * what happened and what to do next. No scripts, no secrets, no internal ids.
 */

export type Outcome =
  | 'connected'
  | 'invalid_link'
  | 'unknown_provider'
  | 'state_missing'
  | 'state_invalid'
  | 'link_used'
  | 'link_expired'
  | 'participant_gone'
  | 'access_denied'
  | 'provider_refused'
  | 'code_missing'
  | 'code_rejected'
  | 'provider_failed'
  | 'scope_missing'
  | 'consent_missing'
  | 'account_in_use'
  | 'member_id_taken'
  | 'provider_unavailable'
  | 'nothing_to_collect'
  | 'too_many_attempts'
  | 'internal_error';

export type Page = { readonly outcome: Outcome; readonly status: ContentfulStatusCode; readonly html: string };

const AGAIN = 'Please open the link your clinic gave you again.';

type Text = { status: ContentfulStatusCode; title: string; body: string };

function textFor(outcome: Outcome, p: string, missing: readonly string[]): Text {
  switch (outcome) {
    case 'connected':
      return {
        status: 200,
        title: `Your ${p} account is connected`,
        body: `Thank you. Your clinic will now receive the data from your ${p} account. You can close this page.`,
      };
    case 'invalid_link':
      return {
        status: 404,
        title: 'This link is not valid',
        body: 'Please check that you opened the whole link your clinic gave you, or ask them for a new one.',
      };
    case 'too_many_attempts':
      return {
        status: 429,
        title: 'Too many attempts',
        body: 'This device has opened too many links that did not work. Please wait a while and open the link your clinic gave you again.',
      };
    case 'unknown_provider':
      return { status: 404, title: 'Page not found', body: `This address is not one we use. ${AGAIN}` };
    case 'state_missing':
    case 'code_missing':
      return {
        status: 400,
        title: 'Some sign-in details are missing',
        body: `Nothing was connected. ${AGAIN} Please do not reload or bookmark this page.`,
      };
    case 'state_invalid':
      return {
        status: 400,
        title: 'We could not check this sign-in',
        body: `This page's address was changed or did not come from us, so nothing was connected. ${AGAIN}`,
      };
    case 'link_used':
      return {
        status: 409,
        title: 'This link has already been used',
        body: `Your ${p} account was already connected with this link, so there is nothing more to do. To connect again, ask your clinic for a new link.`,
      };
    case 'link_expired':
      return {
        status: 410,
        title: 'This link has expired',
        body: 'Connect links work for a limited time. Please ask your clinic for a new link.',
      };
    case 'participant_gone':
      return {
        status: 410,
        title: 'This link is no longer valid',
        body: 'The record this link was made for has been closed, so nothing was connected. Please contact your clinic.',
      };
    case 'access_denied':
      return {
        status: 403,
        title: 'Nothing was connected',
        body: `You chose not to share your ${p} data. If that was a mistake, open the link your clinic gave you again and choose to allow access.`,
      };
    case 'provider_refused':
    case 'provider_failed':
      return {
        status: 502,
        title: `${p} did not complete the sign-in`,
        body: `Nothing was connected. This is usually temporary: please wait a few minutes, then open the link your clinic gave you again.`,
      };
    case 'code_rejected':
      return {
        status: 400,
        title: 'The sign-in took too long or was already used',
        body: `Nothing was connected. ${AGAIN} Then sign in to ${p} once more.`,
      };
    case 'scope_missing':
      return {
        status: 403,
        title: 'Some permissions were not given',
        body: `Your clinic needs access to: ${missing.join('; ')}. Nothing was connected. Please open the link your clinic gave you again and allow all of them.`,
      };
    case 'consent_missing':
      return {
        status: 403,
        title: `${p} needs your consent first`,
        body: `Please sign in to your ${p} account, accept ${p}'s required consents, then open the link your clinic gave you again.`,
      };
    case 'account_in_use':
      return {
        status: 409,
        title: `This ${p} account is already connected to someone else`,
        body: 'Nothing was changed. Please contact your clinic.',
      };
    case 'member_id_taken':
      return {
        status: 409,
        title: `Your clinic still has another ${p} account on record for you`,
        body: `Nothing was connected. ${p} keeps your clinic's record linked to the ${p} account you connected before. Please contact your clinic: once they disconnect that account, open the link again.`,
      };
    case 'provider_unavailable':
      return {
        status: 503,
        title: `${p} connections are not available`,
        body: `This service is not set up for ${p} yet. Please contact your clinic.`,
      };
    case 'nothing_to_collect':
      return {
        status: 409,
        title: `Your clinic does not collect data from ${p}`,
        body: `Nothing was connected: your study collects no measurement ${p} offers. Please contact your clinic.`,
      };
    case 'internal_error':
      return {
        status: 500,
        title: 'Something went wrong on our side',
        body: 'Nothing was connected. Please try again in a few minutes, or contact your clinic.',
      };
  }
}

export function resultPage(outcome: Outcome, providerName = 'your device', missing: readonly string[] = []): Page {
  const { status, title, body } = textFor(outcome, providerName, missing);
  return { outcome, status, html: render(title, body) };
}

function render(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#222}h1{font-size:1.4rem}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(body)}</p>
</body>
</html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
