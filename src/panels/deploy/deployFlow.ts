/*
 * One-click deploy of a run's model: ask for the name, create the deployment
 * (or a new version of an existing one), show the steps, confirm health.
 *
 * The server does not stream progress: its POST answers once the model
 * serves or failed. While it runs, the deployment is read every few hundred
 * milliseconds: not there yet (or not yet on the new version) means the
 * model is being packaged; there and starting means the scoring server is
 * starting. After the POST, a GET confirms the deployment is healthy.
 */
import { Notification } from '@jupyterlab/apputils';
import { nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';

import {
  DeploymentsClient,
  IDeployment,
  modelPackages
} from '../../api/deployments';
import { IRun, TrackingClient } from '../../api/tracking';
import { reportError } from '../../notify';
import type { DeploymentsModel } from './deploymentsModel';
import { suggestName } from './naming';

export type DeployStepId = 'packaging' | 'starting' | 'health';

export type DeployStepState = 'pending' | 'active' | 'done' | 'failed';

export const DEPLOY_STEPS: readonly DeployStepId[] = [
  'packaging',
  'starting',
  'health'
];

/**
 * How to deploy: a new deployment, or a new version of an existing one.
 */
export type DeployMode = 'create' | 'version';

/**
 * The name chosen by the user and how to deploy under it.
 */
export interface IDeployTarget {
  name: string;
  mode: DeployMode;
}

/**
 * What the user is asked: a name, knowing the existing deployments.
 */
export interface INameRequest {
  suggested: string;
  existing: readonly IDeployment[];
  run: IRun;
  trans: TranslationBundle;
}

/**
 * Asks the user for the name; `null` when cancelled.
 */
export type AskName = (request: INameRequest) => Promise<IDeployTarget | null>;

/**
 * The progress of one deploy, as the sidebar shows it.
 */
export interface IDeployProgress {
  name: string;
  mode: DeployMode;
  runId: string;
  artifactPath: string;
  steps: Record<DeployStepId, DeployStepState>;
  /** The deployment once the server answered. */
  deployment: IDeployment | null;
  /** Why it failed. */
  error: string | null;
  /** Finished, successfully or not. */
  finished: boolean;
}

export class DeployFlow {
  constructor(options: DeployFlow.IOptions) {
    this.client = options.client;
    this.tracking = options.tracking;
    this._model = options.model ?? null;
    this._askName = options.askName;
    this._trans = options.trans ?? nullTranslator.load('jupyterlab_mlplatform');
    this._pollInterval = options.pollInterval ?? 400;
    this._healthTimeout = options.healthTimeout ?? 20000;
  }

  readonly client: DeploymentsClient;
  readonly tracking: TrackingClient;

  /** Emitted when the progress changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The current (or last) deploy; `null` once dismissed. */
  get progress(): IDeployProgress | null {
    return this._progress;
  }

  /** Whether a deploy is running. */
  get running(): boolean {
    return this._progress !== null && !this._progress.finished;
  }

  /** Forget the last deploy (the sidebar's close button). */
  dismiss(): void {
    if (!this.running) {
      this._progress = null;
      this._changed.emit();
    }
  }

  /**
   * Deploy a run's model (by run or run id): ask for the name, then deploy.
   * Resolves with the healthy deployment, or `null` when cancelled or failed
   * (failures are reported as notifications).
   */
  async deployRun(
    runOrId: IRun | string,
    options: { artifactPath?: string } = {}
  ): Promise<IDeployment | null> {
    const trans = this._trans;
    if (this.running) {
      Notification.warning(
        trans.__('Deploying %1: wait for it to finish.', this._progress!.name),
        { autoClose: 5000 }
      );
      return null;
    }
    let run: IRun;
    let existing: IDeployment[];
    try {
      run =
        typeof runOrId === 'string'
          ? await this.tracking.getRun(runOrId)
          : runOrId;
      existing = await this.client.list();
    } catch (error) {
      reportError(trans.__('Could not prepare the deployment'), error);
      return null;
    }
    const artifactPath =
      options.artifactPath ??
      modelPackages(run.tags)[0]?.artifact_path ??
      'model';
    let experimentName: string | null = null;
    try {
      experimentName = (await this.tracking.getExperiment(run.experiment_id))
        .name;
    } catch {
      // The run's name does as well.
    }
    const target = await this._askName({
      suggested: suggestName({
        experimentName,
        runName: run.name,
        runId: run.run_id
      }),
      existing,
      run,
      trans
    });
    if (!target) {
      return null;
    }
    const previous = existing.find(d => d.name === target.name) ?? null;
    return this.deploy({
      ...target,
      runId: run.run_id,
      artifactPath,
      previous
    });
  }

  /**
   * Deploy without asking: create `name`, or add a version to it.
   */
  async deploy(options: {
    name: string;
    mode: DeployMode;
    runId: string;
    artifactPath?: string;
    /** The deployment as it was before (for `version`). */
    previous?: IDeployment | null;
  }): Promise<IDeployment | null> {
    const trans = this._trans;
    const { name, mode, runId } = options;
    const artifactPath = options.artifactPath ?? 'model';
    const previousVersion = options.previous?.version ?? null;
    const progress: IDeployProgress = {
      name,
      mode,
      runId,
      artifactPath,
      steps: { packaging: 'active', starting: 'pending', health: 'pending' },
      deployment: null,
      error: null,
      finished: false
    };
    this._progress = progress;
    this._changed.emit();

    // Follow the deployment while the POST runs.
    let answered = false;
    const watch = async (): Promise<void> => {
      while (!answered) {
        await sleep(this._pollInterval);
        if (answered) {
          return;
        }
        let current: IDeployment | null = null;
        try {
          current = await this.client.get(name);
        } catch {
          // Not there yet: still packaging.
        }
        if (answered || !current) {
          continue;
        }
        const onNewVersion =
          mode === 'create' ||
          (previousVersion !== null && current.version > previousVersion) ||
          current.status === 'starting' ||
          current.status === 'restarting';
        if (onNewVersion && progress.steps.packaging === 'active') {
          this._setSteps({ packaging: 'done', starting: 'active' });
        }
      }
    };
    const watching = watch();

    let deployment: IDeployment;
    try {
      deployment =
        mode === 'create'
          ? await this.client.create({
              name,
              run_id: runId,
              artifact_path: artifactPath
            })
          : await this.client.addVersion(name, {
              run_id: runId,
              artifact_path: artifactPath
            });
    } catch (error) {
      answered = true;
      await watching;
      this._fail(error, trans.__('Could not deploy %1', name));
      return null;
    }
    answered = true;
    await watching;
    progress.deployment = deployment;
    this._model?.upsert(deployment);

    if (deployment.status === 'failed') {
      this._setSteps({ packaging: 'done', starting: 'failed' });
      this._fail(
        deployment.error ?? trans.__('the model did not start'),
        trans.__('Could not deploy %1', name),
        'starting'
      );
      return null;
    }

    this._setSteps({ packaging: 'done', starting: 'done', health: 'active' });
    const healthy = await this._confirmHealth(name);
    if (!healthy) {
      return null;
    }
    progress.deployment = healthy;
    this._model?.upsert(healthy);
    this._setSteps({ health: 'done' });
    progress.finished = true;
    this._changed.emit();
    Notification.success(
      trans.__('%1 serves version %2.', healthy.name, healthy.version),
      { autoClose: 5000 }
    );
    return healthy;
  }

  /** Read the deployment until it is healthy, failed, or the time is up. */
  private async _confirmHealth(name: string): Promise<IDeployment | null> {
    const trans = this._trans;
    const what = trans.__('Could not deploy %1', name);
    const deadline = Date.now() + this._healthTimeout;
    for (;;) {
      let current: IDeployment;
      try {
        current = await this.client.get(name);
      } catch (error) {
        this._fail(error, what, 'health');
        return null;
      }
      if (this._progress) {
        this._progress.deployment = current;
      }
      if (current.status === 'healthy') {
        return current;
      }
      if (current.status === 'failed' || current.status === 'stopped') {
        this._model?.upsert(current);
        this._fail(
          current.error ?? trans.__('the deployment is %1', current.status),
          what,
          'health'
        );
        return null;
      }
      if (Date.now() >= deadline) {
        this._fail(
          trans.__('not healthy after %1 s', this._healthTimeout / 1000),
          what,
          'health'
        );
        return null;
      }
      await sleep(this._pollInterval);
    }
  }

  /** Mark the active step (or `step`) failed, and report the error. */
  private _fail(error: unknown, what: string, step?: DeployStepId): void {
    const progress = this._progress;
    if (progress) {
      const failed =
        step ?? DEPLOY_STEPS.find(s => progress.steps[s] === 'active');
      if (failed) {
        progress.steps = { ...progress.steps, [failed]: 'failed' };
      }
      progress.error = error instanceof Error ? error.message : String(error);
      progress.finished = true;
      this._changed.emit();
    }
    reportError(what, error);
  }

  private _setSteps(steps: Partial<Record<DeployStepId, DeployStepState>>) {
    if (this._progress) {
      this._progress.steps = { ...this._progress.steps, ...steps };
      this._changed.emit();
    }
  }

  private _askName: AskName;
  private _changed = new Signal<this, void>(this);
  private _healthTimeout: number;
  private _model: DeploymentsModel | null;
  private _pollInterval: number;
  private _progress: IDeployProgress | null = null;
  private _trans: TranslationBundle;
}

export namespace DeployFlow {
  export interface IOptions {
    client: DeploymentsClient;
    tracking: TrackingClient;
    /** Asks the user for the name (the dialog in `nameDialog.ts`). */
    askName: AskName;
    /** Gets the new deployment as soon as the server answers. */
    model?: DeploymentsModel | null;
    trans?: TranslationBundle;
    /** Milliseconds between reads of the deployment (default 400). */
    pollInterval?: number;
    /** How long to wait for `healthy` after the POST (default 20 s). */
    healthTimeout?: number;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}
