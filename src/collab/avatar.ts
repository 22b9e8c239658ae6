/*
 * A person's avatar (on cells, in the Collaboration panel, in the activity
 * feed): their picture when the identity has one, else their initials on
 * their colour. One look everywhere (`.jp-mlp-Avatar` in style/collab.css).
 */
import type { ICollabUser } from '../api/collab';
import { initialsOf } from './identity';

export const AVATAR_CLASS = 'jp-mlp-Avatar';
/** On an avatar that shows a picture. */
export const IMAGE_MOD = 'jp-mlp-Avatar-hasImage';
/** On the small avatars (cells, the feed). */
export const SMALL_MOD = 'jp-mod-small';
/** The custom property the avatar's colour is set in. */
export const AVATAR_COLOR_PROPERTY = '--jp-mlp-avatar-color';
/** The custom property of the initials' colour on a colour of the identity. */
export const AVATAR_TEXT_PROPERTY = '--jp-mlp-avatar-text';

/**
 * Black or white, whichever reads better on a `#rgb`/`#rrggbb` colour (an
 * identity's own colour); `null` for other colours (the collaborator palette
 * is made for the theme's text colour).
 */
export function initialsColor(background: string): string | null {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(background.trim());
  if (!match) {
    return null;
  }
  const hex =
    match[1].length === 3 ? [...match[1]].map(c => c + c).join('') : match[1];
  const [r, g, b] = [0, 2, 4].map(i => {
    const channel = parseInt(hex.slice(i, i + 2), 16) / 255;
    return channel <= 0.03928
      ? channel / 12.92
      : ((channel + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  // The text colour with the better contrast (WCAG): white below ~0.18.
  return luminance > 0.179 ? '#000' : '#fff';
}

/**
 * Create an (empty) avatar element.
 */
export function createAvatar(): HTMLElement {
  const node = document.createElement('span');
  node.className = `${AVATAR_CLASS} ${SMALL_MOD}`;
  node.setAttribute('aria-hidden', 'true');
  return node;
}

/**
 * Show `user` in `node` (from `createAvatar`) with `color`. The picture is
 * loaded once: rendering the same person again keeps it.
 */
export function renderAvatar(
  node: HTMLElement,
  user: ICollabUser,
  color: string
): void {
  node.style.setProperty(AVATAR_COLOR_PROPERTY, color);
  const text = initialsColor(color);
  if (text) {
    node.style.setProperty(AVATAR_TEXT_PROPERTY, text);
  } else {
    node.style.removeProperty(AVATAR_TEXT_PROPERTY);
  }
  const initials = initialsOf(user);
  const url = safeImageUrl(user.avatar_url) ?? '';
  if (node.dataset.url === url && node.dataset.initials === initials) {
    return;
  }
  node.dataset.url = url;
  node.dataset.initials = initials;
  node.textContent = '';
  node.classList.remove(IMAGE_MOD);
  if (!url) {
    node.textContent = initials;
    return;
  }
  const image = document.createElement('img');
  image.alt = '';
  image.decoding = 'async';
  image.loading = 'lazy';
  image.addEventListener('error', () => {
    // A broken picture: fall back to the initials.
    if (image.parentNode === node) {
      image.remove();
      node.classList.remove(IMAGE_MOD);
      node.textContent = initials;
    }
  });
  image.src = url;
  node.classList.add(IMAGE_MOD);
  node.appendChild(image);
}

/**
 * The avatar URL when it is an http(s) or data image URL, else `null` (in
 * awareness states it is claimed by the other person's browser).
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
