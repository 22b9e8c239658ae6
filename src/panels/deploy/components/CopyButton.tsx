import { Clipboard } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

const BUTTON_CLASS = 'jp-mlp-DeployButton';

/** How long the button says "Copied". */
const COPIED_MS = 1500;

/**
 * A button that copies `text` and says so for a moment.
 */
export function CopyButton(props: {
  text: string;
  /** What is copied, for the button's title and accessible name. */
  what: string;
  trans: TranslationBundle;
}): JSX.Element {
  const { text, what, trans } = props;
  const [copied, setCopied] = React.useState(false);
  React.useEffect(() => {
    if (!copied) {
      return;
    }
    const timer = setTimeout(() => setCopied(false), COPIED_MS);
    return () => clearTimeout(timer);
  }, [copied]);
  const label = trans.__('Copy %1', what);
  return (
    <button
      type="button"
      className={BUTTON_CLASS}
      title={label}
      aria-label={label}
      onClick={() => {
        Clipboard.copyToSystem(text);
        setCopied(true);
      }}
    >
      {copied ? trans.__('Copied') : trans.__('Copy')}
    </button>
  );
}
