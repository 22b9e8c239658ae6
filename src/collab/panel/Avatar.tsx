import * as React from 'react';

import { ICollabUser } from '../../api/collab';

const AVATAR_CLASS = 'jp-mlp-Avatar';

/**
 * The picture of a person: their avatar image, else their initials on their
 * colour. Decorative: their name is always written next to it.
 */
export function Avatar(props: {
  user: ICollabUser;
  /** Their colour (a CSS colour; JupyterLab's are `var(--jp-collaborator-colorN)`). */
  color?: string | null;
  size?: 'small' | 'normal';
}): JSX.Element {
  const { user } = props;
  const [broken, setBroken] = React.useState(false);
  const url = safeImageUrl(user.avatar_url);
  const color = props.color ?? user.color ?? null;
  const className =
    props.size === 'small' ? `${AVATAR_CLASS} jp-mod-small` : AVATAR_CLASS;
  return (
    <span
      className={className}
      style={color ? { backgroundColor: color } : undefined}
      aria-hidden="true"
    >
      {url && !broken ? (
        <img
          className={`${AVATAR_CLASS}-image`}
          src={url}
          alt=""
          referrerPolicy="no-referrer"
          onError={() => setBroken(true)}
        />
      ) : (
        initialsOf(user)
      )}
    </span>
  );
}

/**
 * One or two letters for a person: the identity's initials, else the first
 * letters of the name's first two words.
 */
export function initialsOf(user: ICollabUser): string {
  if (user.initials) {
    return user.initials.slice(0, 2);
  }
  const words = (user.display_name || user.name || user.username)
    .replace(/[_.-]+/g, ' ')
    .split(/\s+/)
    .filter(word => word.length > 0);
  return (
    words
      .slice(0, 2)
      .map(word => word[0])
      .join('')
      .toUpperCase() || '?'
  );
}

/**
 * The avatar URL when it is an http(s) or data image URL (it is claimed by
 * the other person's browser), else `null`.
 */
export function safeImageUrl(url: string | null | undefined): string | null {
  if (!url) {
    return null;
  }
  if (/^data:image\/(png|jpeg|gif|webp);/i.test(url)) {
    return url;
  }
  try {
    const parsed = new URL(url, document.baseURI);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:'
      ? parsed.href
      : null;
  } catch {
    return null;
  }
}
