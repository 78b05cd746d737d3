/** Hands a file made or downloaded in the page to the browser to save. */
export function saveFile(blob: Blob, fileName: string): void {
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The click has handed the blob to the download; free it after the browser has taken it.
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
