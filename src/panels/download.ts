/*
 * Hand a file to the browser as a download (the runs CSV export, the
 * Deploy panel's build context and manifests).
 */

/**
 * Save `content` as a file named `name`; a string is saved with the given
 * MIME `type`.
 */
export function download(
  content: Blob | string,
  name: string,
  type = 'text/plain'
): void {
  const blob =
    typeof content === 'string' ? new Blob([content], { type }) : content;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
