import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { baseName } from '../activity/wording';
import { IPerson, IPersonLocation } from '../presence/people';
import { Avatar } from './Avatar';

const LIST_CLASS = 'jp-mlp-PeopleList';
const PERSON_CLASS = 'jp-mlp-Person';
const OPEN_CLASS = 'jp-mlp-Person-open';
const NAME_CLASS = 'jp-mlp-Person-name';
const YOU_CLASS = 'jp-mlp-Person-you';
const TABS_CLASS = 'jp-mlp-Person-tabs';
const WHERE_CLASS = 'jp-mlp-Person-where';
const FOLLOW_CLASS = 'jp-mlp-Person-follow';
/** The panel's small outlined buttons (style/base.css). */
const BUTTON_CLASS = 'jp-mlp-Button jp-mod-small';

/**
 * Where someone is, in words: "churn.ipynb · cell 7 · editing line 3".
 */
export function describeLocation(
  location: IPersonLocation | null,
  trans: TranslationBundle
): string {
  if (location === null) {
    return trans.__('Not in a document');
  }
  const parts = [baseName(location.path)];
  if (location.kind === 'notebook' && location.cellIndex !== null) {
    parts.push(trans.__('cell %1', location.cellIndex + 1));
  }
  if (location.mode === 'edit') {
    parts.push(
      location.line !== null
        ? trans.__('editing line %1', location.line + 1)
        : trans.__('editing')
    );
  }
  return parts.join(' · ');
}

export interface IPeopleListProps {
  people: readonly IPerson[];
  /** The username followed, if any. */
  following: string | null;
  /** Go to where they are. */
  onOpen: (person: IPerson) => void;
  /** Follow them; `null` when following is not available. */
  onFollow: ((person: IPerson) => void) | null;
  onStopFollowing: () => void;
  trans: TranslationBundle;
}

/**
 * Everyone connected, one row each: who, where (a button that goes there),
 * and a Follow toggle.
 */
export function PeopleList(props: IPeopleListProps): JSX.Element {
  const { trans } = props;
  return (
    <ul className={LIST_CLASS} aria-label={trans.__('People')}>
      {props.people.map(person => (
        <PersonRow key={person.username} person={person} {...props} />
      ))}
    </ul>
  );
}

function PersonRow(props: IPeopleListProps & { person: IPerson }): JSX.Element {
  const { person, trans, onFollow } = props;
  const name = person.user.display_name;
  const where = describeLocation(person.location, trans);
  const followed = props.following === person.username;
  const tabs = person.clientIds.length;
  const classes = [PERSON_CLASS];
  if (person.isSelf) {
    classes.push('jp-mod-self');
  }
  if (followed) {
    classes.push('jp-mod-following');
  }
  const color = person.user.color ?? undefined;
  return (
    <li
      className={classes.join(' ')}
      style={
        color
          ? ({ '--jp-mlp-person-color': color } as React.CSSProperties)
          : undefined
      }
    >
      <button
        type="button"
        className={OPEN_CLASS}
        disabled={person.location === null}
        title={
          person.location
            ? trans.__('Go to %1', person.location.path)
            : undefined
        }
        aria-label={
          person.location
            ? trans.__('Go to %1: %2', name, where)
            : trans.__('%1: %2', name, where)
        }
        onClick={() => props.onOpen(person)}
      >
        <Avatar user={person.user} />
        <span className={`${PERSON_CLASS}-text`}>
          <span className={NAME_CLASS}>
            {name}
            {person.isSelf && (
              <span className={YOU_CLASS}> {trans.__('(you)')}</span>
            )}
            {tabs > 1 && (
              <span className={TABS_CLASS}>
                {' '}
                {trans._n('%1 tab', '%1 tabs', tabs)}
              </span>
            )}
          </span>
          <span className={WHERE_CLASS}>{where}</span>
        </span>
      </button>
      {!person.isSelf && onFollow && (
        <button
          type="button"
          className={`${BUTTON_CLASS} ${FOLLOW_CLASS}`}
          aria-pressed={followed}
          aria-label={trans.__('Follow %1', name)}
          title={
            followed
              ? trans.__('Stop following %1', name)
              : trans.__('Follow %1: your view goes where they go', name)
          }
          onClick={() =>
            followed ? props.onStopFollowing() : onFollow(person)
          }
        >
          {followed ? trans.__('Following') : trans.__('Follow')}
        </button>
      )}
    </li>
  );
}

/**
 * Who we follow, where they are, and the way to stop.
 */
export function FollowBanner(props: {
  person: IPerson;
  onStop: () => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { person, trans } = props;
  const color = person.user.color ?? undefined;
  return (
    <div
      className="jp-mlp-FollowBanner"
      style={
        color
          ? ({ '--jp-mlp-person-color': color } as React.CSSProperties)
          : undefined
      }
    >
      <Avatar user={person.user} />
      <span className="jp-mlp-FollowBanner-text">
        <span className="jp-mlp-FollowBanner-title">
          {trans.__('Following %1', person.user.display_name)}
        </span>
        <span className="jp-mlp-FollowBanner-where">
          {describeLocation(person.location, trans)}
        </span>
      </span>
      <button
        type="button"
        className={`${BUTTON_CLASS} jp-mlp-FollowBanner-stop`}
        onClick={props.onStop}
        title={trans.__(
          'Stop following (or click, type or scroll in your documents)'
        )}
      >
        {trans.__('Stop')}
      </button>
    </div>
  );
}
