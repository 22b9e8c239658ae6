import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { ExecutionStatus, IActivityItem } from '../../api/collab';
import { Avatar } from '../panel/Avatar';
import { ActivityModel } from './model';
import { clockTime, relativeTime } from '../time';
import { ActivityLink, describeActivity } from './wording';

const FEED_CLASS = 'jp-mlp-ActivityFeed';
const LIST_CLASS = 'jp-mlp-ActivityFeed-list';
const NOTE_CLASS = 'jp-mlp-ActivityFeed-note';
const ERROR_CLASS = 'jp-mlp-ActivityFeed-error';
const MORE_CLASS = 'jp-mlp-ActivityFeed-more';
const ITEM_CLASS = 'jp-mlp-ActivityItem';
const LINK_CLASS = 'jp-mlp-ActivityItem-link';

export interface IActivityFeedProps {
  model: ActivityModel;
  /** Follow a link of a line (the cell, the run, the deployment). */
  onLink: (link: ActivityLink) => void;
  /** A person's colour in the presence list, if they are connected. */
  colorOf?: (username: string) => string | null;
  trans: TranslationBundle;
  /** The clock (ms); relative times are redrawn every 30 s. */
  now?: () => number;
}

/**
 * The activity feed: newest first, older items on scroll (or "Show older").
 */
export function ActivityFeed(props: IActivityFeedProps): JSX.Element {
  const { model, trans } = props;
  const now = useNow(props.now ?? Date.now);
  const sentinel = useLoadOnView(model, model.items.length);
  let body: React.ReactNode;
  if (!model.loaded) {
    body = model.error === null && (
      <p className={NOTE_CLASS}>{trans.__('Loading…')}</p>
    );
  } else if (model.items.length === 0) {
    body = (
      <p className={NOTE_CLASS}>
        {trans.__(
          'Nothing yet: cells run in notebooks and changes to deployments show here.'
        )}
      </p>
    );
  } else {
    body = (
      <ol className={LIST_CLASS} aria-label={trans.__('Activity')}>
        {model.items.map(item => (
          <ActivityRow
            key={item.id}
            item={item}
            now={now}
            onLink={props.onLink}
            color={props.colorOf?.(item.user.username) ?? null}
            trans={trans}
          />
        ))}
      </ol>
    );
  }
  return (
    <div className={FEED_CLASS}>
      {model.error !== null && (
        <p className={ERROR_CLASS} role="alert">
          {trans.__('Could not load the activity: %1', model.error)}{' '}
          <button
            type="button"
            className={LINK_CLASS}
            onClick={() => void model.retry()}
          >
            {trans.__('Try again')}
          </button>
        </p>
      )}
      {body}
      {model.loaded && model.hasMore && (
        <div className={MORE_CLASS} ref={sentinel}>
          <button
            type="button"
            className="jp-mlp-Button jp-mod-small jp-mlp-ActivityFeed-moreButton"
            disabled={model.loadingMore}
            onClick={() => void model.loadMore()}
          >
            {model.loadingMore ? trans.__('Loading…') : trans.__('Show older')}
          </button>
        </div>
      )}
    </div>
  );
}

function ActivityRow(props: {
  item: IActivityItem;
  now: number;
  onLink: (link: ActivityLink) => void;
  color: string | null;
  trans: TranslationBundle;
}): JSX.Element {
  const { item, trans } = props;
  const segments = describeActivity(item, trans);
  const status = item.kind === 'execution' ? (item.status ?? null) : null;
  const classes = [ITEM_CLASS];
  if (status) {
    classes.push(`jp-mod-${status}`);
  }
  return (
    <li className={classes.join(' ')}>
      <Avatar user={item.user} color={props.color} size="small" />
      <div className={`${ITEM_CLASS}-body`}>
        <p className={`${ITEM_CLASS}-text`}>
          {segments.map((segment, i) => {
            const className = segment.role
              ? `${ITEM_CLASS}-${segment.role}`
              : undefined;
            const link = segment.link;
            if (link) {
              return (
                <button
                  key={i}
                  type="button"
                  className={`${LINK_CLASS} ${className ?? ''}`.trim()}
                  title={segment.title}
                  onClick={() => props.onLink(link)}
                >
                  {segment.text}
                </button>
              );
            }
            return className ? (
              <span key={i} className={className} title={segment.title}>
                {segment.text}
              </span>
            ) : (
              <React.Fragment key={i}>{segment.text}</React.Fragment>
            );
          })}
        </p>
        <p className={`${ITEM_CLASS}-meta`}>
          {status && <ExecutionBadge status={status} trans={trans} />}
          <time
            dateTime={new Date(item.time).toISOString()}
            title={clockTime(item.time, props.now)}
          >
            {relativeTime(item.time, props.now, trans)}
          </time>
          {typeof item.execution_count === 'number' && (
            <span
              className={`${ITEM_CLASS}-count`}
              title={trans.__('Execution count %1', item.execution_count)}
            >
              [{item.execution_count}]
            </span>
          )}
        </p>
      </div>
    </li>
  );
}

/**
 * The status of an execution, in words (the colour is a second cue).
 */
export function ExecutionBadge(props: {
  status: ExecutionStatus;
  trans: TranslationBundle;
}): JSX.Element {
  const { trans } = props;
  const labels: Record<ExecutionStatus, string> = {
    running: trans.__('running'),
    ok: trans.__('ok'),
    error: trans.__('error'),
    aborted: trans.__('aborted')
  };
  return (
    <span
      className={`jp-mlp-StatusBadge jp-mlp-ExecutionBadge jp-mod-${props.status}`}
    >
      {labels[props.status] ?? props.status}
    </span>
  );
}

/** How often the feed's relative times are redrawn (ms). */
const RELATIVE_TIME_TICK = 30 * 1000;

/**
 * The time, redrawn every 30 s.
 */
function useNow(clock: () => number): number {
  const [now, setNow] = React.useState(clock);
  React.useEffect(() => {
    const timer = setInterval(() => setNow(clock()), RELATIVE_TIME_TICK);
    return () => clearInterval(timer);
  }, [clock]);
  return now;
}

/**
 * A ref for the "Show older" row: reading the next page starts when it
 * scrolls into view (where `IntersectionObserver` exists). A new observer
 * for each length, so that a row still in view after a page reads the next.
 */
function useLoadOnView(
  model: ActivityModel,
  length: number
): (node: HTMLDivElement | null) => void {
  const observer = React.useRef<IntersectionObserver | null>(null);
  React.useEffect(() => () => observer.current?.disconnect(), []);
  return React.useCallback(
    (node: HTMLDivElement | null) => {
      observer.current?.disconnect();
      observer.current = null;
      if (node === null || typeof IntersectionObserver === 'undefined') {
        return;
      }
      observer.current = new IntersectionObserver(entries => {
        if (entries.some(entry => entry.isIntersecting)) {
          void model.loadMore();
        }
      });
      observer.current.observe(node);
    },
    [model, length]
  );
}
