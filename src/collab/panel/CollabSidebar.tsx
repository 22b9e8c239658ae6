import { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IconButton } from '../../panels/IconButton';
import { Sidebar, SidebarClasses, SidebarHeader } from '../../panels/Sidebar';
import { ActivityFeed } from '../activity/ActivityFeed';
import { ActivityModel } from '../activity/model';
import { ActivityLink } from '../activity/wording';
import { collaborationIcon } from '../icons';
import { FollowController } from '../presence/follow';
import { PresenceModel } from '../presence/model';
import { IPerson } from '../presence/people';
import { FollowBanner, PeopleList } from './PeopleList';
import { CollabStatusModel } from './statusModel';

const SIDEBAR_CLASS = 'jp-mlp-CollabSidebar';
const NOTE_CLASS = 'jp-mlp-CollabSidebar-note';
const ERROR_CLASS = 'jp-mlp-CollabSidebar-error';
const LIVE_CLASS = 'jp-mlp-CollabSidebar-live';
/** Visually hidden: says to screen readers when following starts and ends. */
const ANNOUNCE_CLASS = 'jp-mlp-CollabSidebar-announce';

/**
 * The id of the sidebar widget (also its layout-restorer key).
 */
export const COLLAB_SIDEBAR_ID = 'jp-mlp-collaboration';

/**
 * What the panel's buttons and links do.
 */
export interface ICollabActions {
  /** Go to where a person is (their notebook at their cell). */
  openPerson(person: IPerson): void;
  /** Follow a link of the activity feed. */
  openLink(link: ActivityLink): void;
}

/**
 * The Collaboration panel in the left sidebar: who is here and where (with
 * Follow), then the activity feed.
 */
export class CollabSidebar extends Sidebar {
  constructor(options: CollabSidebar.IOptions) {
    super({
      id: COLLAB_SIDEBAR_ID,
      className: SIDEBAR_CLASS,
      icon: collaborationIcon,
      caption: trans => trans.__('Collaboration'),
      trans: options.trans
    });
    this.presence = options.presence;
    this.follow = options.follow ?? null;
    this.activity = options.activity;
    this.status = options.status;
    this._actions = options.actions;
    this.presence.changed.connect(this._onChanged, this);
    this.follow?.changed.connect(this._onChanged, this);
    this.activity.changed.connect(this._onChanged, this);
    this.status.changed.connect(this._onChanged, this);
  }

  /** Who is here (shared with the commands). */
  readonly presence: PresenceModel;
  /** Following (shared with the commands); `null` without presence. */
  readonly follow: FollowController | null;
  /** The activity feed; owned (and disposed) by the panel. */
  readonly activity: ActivityModel;
  /** Whether co-editing is on; owned (and disposed) by the panel. */
  readonly status: CollabStatusModel;

  /** Read the status and the newest activity again. */
  async refresh(): Promise<void> {
    await Promise.all([this.status.refresh(), this.activity.refresh()]);
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.presence.changed.disconnect(this._onChanged, this);
    this.follow?.changed.disconnect(this._onChanged, this);
    this.activity.changed.disconnect(this._onChanged, this);
    this.status.changed.disconnect(this._onChanged, this);
    this.activity.dispose();
    this.status.dispose();
    super.dispose();
  }

  protected onShown(): void {
    if (!this._started) {
      this._started = true;
      void this.status.refresh();
      this.activity.start();
    }
  }

  protected render(): JSX.Element {
    const trans = this.trans;
    const activity = this.activity;
    return (
      <>
        <SidebarHeader title={trans.__('Collaboration')}>
          <IconButton
            label={trans.__('Refresh the co-editing status and the activity')}
            disabled={this.status.loading || activity.loading}
            onClick={() => void this.refresh()}
          >
            <refreshIcon.react tag="span" />
          </IconButton>
        </SidebarHeader>
        <p className={ANNOUNCE_CLASS} role="status">
          {this.follow?.following
            ? trans.__('Following %1', this.follow.following.user.display_name)
            : ''}
        </p>
        {this._renderFollowing()}
        <section
          className={SidebarClasses.section}
          aria-labelledby="jp-mlp-collab-people"
        >
          <h3 id="jp-mlp-collab-people" className={SidebarClasses.sectionTitle}>
            {trans.__('People')}
            {this._showPeople() && (
              <span className="jp-mlp-CollabSidebar-count">
                {' '}
                ({this.presence.people.length})
              </span>
            )}
          </h3>
          {this._renderPeople()}
        </section>
        <section
          className={SidebarClasses.section}
          aria-labelledby="jp-mlp-collab-activity"
        >
          <h3
            id="jp-mlp-collab-activity"
            className={SidebarClasses.sectionTitle}
          >
            {trans.__('Activity')}
            {activity.connection !== null && activity.loaded && (
              <span
                className={`${LIVE_CLASS} jp-mod-${activity.connection}`}
                title={
                  activity.connection === 'live'
                    ? trans.__('New activity shows as it happens')
                    : trans.__(
                        'Not connected to the server: new activity shows once connected'
                      )
                }
              >
                {activity.connection === 'live'
                  ? trans.__('live')
                  : activity.connection === 'connecting'
                    ? trans.__('connecting…')
                    : trans.__('reconnecting…')}
              </span>
            )}
          </h3>
          <ActivityFeed
            model={activity}
            onLink={link => this._actions.openLink(link)}
            colorOf={username =>
              this.presence.person(username)?.user.color ?? null
            }
            trans={trans}
          />
        </section>
      </>
    );
  }

  /** Whether the people list is shown (co-editing is on here). */
  private _showPeople(): boolean {
    return this.presence.available && this.status.status?.enabled !== false;
  }

  private _renderFollowing(): JSX.Element | null {
    const person = this.follow?.following ?? null;
    if (person === null) {
      return null;
    }
    return (
      <FollowBanner
        person={person}
        onStop={() => this.follow?.stop('command')}
        trans={this.trans}
      />
    );
  }

  private _renderPeople(): React.ReactNode {
    const trans = this.trans;
    const { status, error } = this.status;
    const notes: React.ReactNode[] = [];
    if (error !== null) {
      notes.push(
        <p key="error" className={ERROR_CLASS} role="alert">
          {trans.__('Could not check whether co-editing is on: %1', error)}
        </p>
      );
    }
    if (status && !status.enabled) {
      notes.push(
        <p key="off" className={NOTE_CLASS}>
          <strong>{trans.__('Co-editing is off.')}</strong> {status.message}
        </p>
      );
      return notes;
    }
    if (!this.presence.available) {
      notes.push(
        <p key="no-awareness" className={NOTE_CLASS}>
          {status
            ? trans.__(
                'Co-editing is on for this server, but this JupyterLab has not loaded the collaboration extension (@jupyter/collaboration-extension), so who is here cannot be shown.'
              )
            : error === null
              ? trans.__('Checking co-editing…')
              : trans.__(
                  'Who is here cannot be shown: the collaboration extension (@jupyter/collaboration-extension) is not loaded.'
                )}
        </p>
      );
      return notes;
    }
    const people = this.presence.people;
    const follow = this.follow;
    notes.push(
      people.length === 0 ? (
        <p key="empty" className={NOTE_CLASS}>
          {trans.__('Connecting…')}
        </p>
      ) : (
        <React.Fragment key="people">
          <PeopleList
            people={people}
            following={follow?.following?.username ?? null}
            onOpen={person => this._actions.openPerson(person)}
            onFollow={
              follow ? person => void follow.follow(person.username) : null
            }
            onStopFollowing={() => follow?.stop('command')}
            trans={trans}
          />
          {people.length === 1 && people[0].isSelf && (
            <p className={NOTE_CLASS}>
              {trans.__(
                'Nobody else is here. People who open this JupyterLab show here, with the notebook and cell they are on.'
              )}
            </p>
          )}
        </React.Fragment>
      )
    );
    return notes;
  }

  private _onChanged(): void {
    this.update();
  }

  private _actions: ICollabActions;
  private _started = false;
}

export namespace CollabSidebar {
  export interface IOptions {
    presence: PresenceModel;
    follow?: FollowController | null;
    activity: ActivityModel;
    status: CollabStatusModel;
    actions: ICollabActions;
    trans?: TranslationBundle;
  }
}
