/**
 * A streamed `application/zip` response over a lazy producer: the next chunk is produced only when
 * the client has taken the last (pull-based), so a slow reader slows the export instead of
 * filling memory. An error after the first byte can no longer change the status: the transfer is
 * aborted and the client sees a truncated ZIP.
 */
export function zipResponse(
  body: AsyncGenerator<Buffer>,
  fileName: string,
  done: (err: Error | undefined) => void,
  headers: Readonly<Record<string, string>> = {}
): Response {
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await body.next();
          if (next.done) {
            controller.close();
            done(undefined);
          } else {
            controller.enqueue(next.value);
          }
        } catch (err) {
          const error = err instanceof Error ? err : new Error(String(err));
          controller.error(error);
          done(error);
        }
      },
      async cancel() {
        await body.return(undefined);
        done(new Error('the client went away'));
      },
    },
    { highWaterMark: 0 }
  );
  return new Response(stream, {
    headers: {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="${fileName}"`,
      'cache-control': 'no-store',
      ...headers,
    },
  });
}
