import * as React from 'react';

/** The class of an icon button in a toolbar or a header (style/base.css). */
export const ICON_BUTTON_CLASS = 'jp-mlp-IconButton';

/**
 * A square icon button of a toolbar or a header; `label` is its tooltip and
 * accessible name.
 */
export function IconButton(props: {
  label: string;
  onClick: () => void;
  disabled?: boolean;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <button
      type="button"
      className={ICON_BUTTON_CLASS}
      title={props.label}
      aria-label={props.label}
      disabled={props.disabled}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  );
}
