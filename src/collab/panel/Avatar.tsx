import * as React from 'react';

import { ICollabUser } from '../../api/collab';
import { renderAvatar } from '../avatar';
import { userColor } from '../identity';

/**
 * The picture of a person: their avatar image, else their initials on their
 * colour (the one avatar of `../avatar`, as on cells). Decorative: their name
 * is always written next to it.
 */
export function Avatar(props: {
  user: ICollabUser;
  /** Their colour (a CSS colour; JupyterLab's are `var(--jp-collaborator-colorN)`). */
  color?: string | null;
  size?: 'small' | 'normal';
}): JSX.Element {
  const { user, size } = props;
  const color = props.color || userColor(user);
  const ref = React.useRef<HTMLSpanElement>(null);
  React.useLayoutEffect(() => {
    if (ref.current) {
      renderAvatar(ref.current, user, color);
    }
  }, [user.username, user.initials, user.display_name, user.avatar_url, color]);
  return (
    <span
      ref={ref}
      className={
        size === 'small' ? 'jp-mlp-Avatar jp-mod-small' : 'jp-mlp-Avatar'
      }
      aria-hidden="true"
    />
  );
}
