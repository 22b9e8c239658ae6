import { UseSignal } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import type { IRun } from '../../api/tracking';
import { deployIcon } from '../../icons';
import { IconButton } from '../IconButton';
import { Sidebar, SidebarClasses, SidebarHeader } from '../Sidebar';
import { createKey } from './components/ApiKeys';
import {
  DeploymentCard,
  IDeploymentProvenance
} from './components/DeploymentCard';
import { DeployProgress } from './components/DeployProgress';
import { downloadFile } from './components/Downloads';
import { ModelList } from './components/ModelList';
import { DeployFlow } from './deployFlow';
import { DeploymentsModel } from './deploymentsModel';

const SIDEBAR_CLASS = 'jp-mlp-DeploySidebar';
const SECTION_CLASS = SidebarClasses.section;
const SECTION_TITLE_CLASS = SidebarClasses.sectionTitle;
const NOTE_CLASS = 'jp-mlp-DeployNote';

/**
 * The id of the sidebar widget (also its layout-restorer key).
 */
export const DEPLOY_SIDEBAR_ID = 'jp-mlp-deploy-sidebar';

/**
 * The Deploy panel in the left sidebar: the deploy in progress, the
 * deployments (read every few seconds while visible), and the recent models
 * with a one-click Deploy.
 */
export class DeploySidebar extends Sidebar {
  constructor(options: DeploySidebar.IOptions) {
    super({
      id: DEPLOY_SIDEBAR_ID,
      className: SIDEBAR_CLASS,
      icon: deployIcon,
      caption: trans => trans.__('Deploy'),
      trans: options.trans
    });
    this.model = options.model;
    this.flow = options.flow;
    this._openRun = options.openRun ?? null;
    this._provenance = options.provenance ?? null;
    this.flow.changed.connect(this._onFlowChanged, this);
  }

  /** The deployments and models shown; owned (and disposed) by the panel. */
  readonly model: DeploymentsModel;

  /** The one-click deploy whose progress the panel shows. */
  readonly flow: DeployFlow;

  /** The deployment whose details are shown, if any. */
  get expanded(): string | null {
    return this._expanded;
  }

  /** Show (or hide with `null`) a deployment's details. */
  expand(name: string | null): void {
    this._expanded = name;
    this.update();
  }

  /** Deploy a run's model: ask for the name, then show the progress. */
  async deploy(run: IRun | string): Promise<void> {
    const deployment = await this.flow.deployRun(run);
    if (deployment) {
      this._expanded = deployment.name;
      this.update();
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.flow.changed.disconnect(this._onFlowChanged, this);
    this.model.dispose();
    super.dispose();
  }

  protected onShown(): void {
    this.model.setVisible(true);
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.model.setVisible(false);
  }

  protected onBeforeDetach(msg: Message): void {
    this.model.setVisible(false);
    super.onBeforeDetach(msg);
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => this._renderContent()}
      </UseSignal>
    );
  }

  private _renderContent(): JSX.Element {
    const trans = this.trans;
    const model = this.model;
    const progress = this.flow.progress;
    const openRun = this._openRun;
    const runName = (runId: string): string | null =>
      model.modelRuns.find(r => r.run_id === runId)?.name || null;
    return (
      <>
        <SidebarHeader title={trans.__('Deploy')}>
          <IconButton
            label={trans.__('Refresh deployments and models')}
            disabled={model.loading}
            onClick={() => void model.refresh()}
          >
            <refreshIcon.react tag="span" />
          </IconButton>
        </SidebarHeader>
        {progress && (
          <DeployProgress
            key={`${progress.name}:${progress.runId}:${progress.mode}`}
            client={model.client}
            progress={progress}
            apiKey={model.freshKey(progress.name)}
            onCreateKey={async () => {
              const key = await createKey(model.client, progress.name, trans);
              if (key) {
                model.setFreshKey(progress.name, key.key);
              }
            }}
            onDismiss={() => this.flow.dismiss()}
            onOpen={name => {
              this.flow.dismiss();
              this.expand(name);
            }}
            trans={trans}
          />
        )}
        <section
          className={SECTION_CLASS}
          aria-labelledby="jp-mlp-deploy-deployments"
        >
          <h3 id="jp-mlp-deploy-deployments" className={SECTION_TITLE_CLASS}>
            {trans.__('Deployments')}
          </h3>
          {model.listError !== null && (
            <p
              className={`${NOTE_CLASS} jp-mlp-DeployConsole-error`}
              role="alert"
            >
              {trans.__('Could not load the deployments: %1', model.listError)}
            </p>
          )}
          {!model.loaded ? (
            model.listError === null && (
              <p className={NOTE_CLASS}>{trans.__('Loading…')}</p>
            )
          ) : model.deployments.length === 0 ? (
            <p className={NOTE_CLASS}>
              {trans.__('Nothing deployed yet: deploy a model below.')}
            </p>
          ) : (
            <ul className="jp-mlp-DeploymentList">
              {model.deployments.map(d => (
                <DeploymentCard
                  key={d.name}
                  deployment={d}
                  model={model}
                  expanded={this._expanded === d.name}
                  onToggle={() =>
                    this.expand(this._expanded === d.name ? null : d.name)
                  }
                  openRun={openRun}
                  runName={runName}
                  provenance={this._provenance}
                  trans={trans}
                />
              ))}
            </ul>
          )}
        </section>
        <section
          className={SECTION_CLASS}
          aria-labelledby="jp-mlp-deploy-models"
        >
          <h3 id="jp-mlp-deploy-models" className={SECTION_TITLE_CLASS}>
            {trans.__('Models')}
          </h3>
          <ModelList
            runs={model.modelRuns}
            experimentName={id => model.experimentName(id)}
            onDeploy={run => void this.deploy(run)}
            onDownload={(run, artifactPath) =>
              void downloadFile(
                model.client,
                model.client.runContainerPath(run.run_id, artifactPath),
                `${run.name || run.run_id}-container.tar.gz`,
                trans
              )
            }
            openRun={openRun}
            deploying={this.flow.running}
            trans={trans}
          />
        </section>
      </>
    );
  }

  private _onFlowChanged(): void {
    this.update();
  }

  private _expanded: string | null = null;
  private _openRun: ((runId: string) => void) | null;
  private _provenance: IDeploymentProvenance | null;
}

export namespace DeploySidebar {
  export interface IOptions {
    model: DeploymentsModel;
    flow: DeployFlow;
    /** Open a run in the Experiments panel (run names become links). */
    openRun?: ((runId: string) => void) | null;
    /** Show each deployment's provenance chain (its model's run, cell, person). */
    provenance?: IDeploymentProvenance | null;
    trans?: TranslationBundle;
  }
}
