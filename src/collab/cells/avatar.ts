/*
 * A person's avatar on a cell: their picture when the identity has one,
 * else their initials on their colour.
 */
import type { ICollabUser } from '../../api/collab';
import { initialsOf } from './identity';

export const AVATAR_CLASS = 'jp-mlp-Avatar';
/** On an avatar that shows a picture. */
const IMAGE_MOD = 'jp-mlp-Avatar-hasImage';
/** The custom property the avatar's colour is set in. */
export const AVATAR_COLOR_PROPERTY = '--jp-mlp-avatar-color';

/**
 * Create an (empty) avatar element.
 */
export function createAvatar(): HTMLElement {
  const node = document.createElement('span');
  node.className = AVATAR_CLASS;
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
  const initials = initialsOf(user);
  const url = user.avatar_url || '';
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
