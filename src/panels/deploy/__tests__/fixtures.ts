/*
 * Wire fixtures of the deployments API for the Deploy tests.
 */
import type { IDeployment, IDeploymentStats } from '../../../api/deployments';

export function makeDeployment(
  name: string,
  extra: Partial<IDeployment> = {}
): IDeployment {
  return {
    name,
    status: 'healthy',
    version: 1,
    run_id: 'run-1',
    artifact_path: 'model',
    flavor: 'sklearn',
    url: `/user/alice/mlplatform/api/deployments/${name}/invocations`,
    endpoint: 'http://127.0.0.1:40123/invocations',
    port: 40123,
    pid: 4242,
    workers: 1,
    restarts: 0,
    error: null,
    created_by: 'alice',
    created_at: '2026-11-26T10:00:00Z',
    started_at: '2026-11-26T10:00:02Z',
    versions: [
      {
        version: 1,
        run_id: 'run-1',
        artifact_path: 'model',
        flavor: 'sklearn',
        created_by: 'alice',
        created_at: '2026-11-26T10:00:00Z'
      }
    ],
    ...extra
  };
}

export function makeStats(
  name: string,
  extra: Partial<IDeploymentStats> = {}
): IDeploymentStats {
  return {
    name,
    requests: 1234,
    errors: 0,
    latency_mean_ms: 2.5,
    latency_p50_ms: 1.8,
    latency_p99_ms: 9.1,
    uptime_seconds: 125,
    ...extra
  };
}

/** The tag value the server sets on a run with a scikit-learn model. */
export const SKLEARN_MODELS_TAG = JSON.stringify([
  { artifact_path: 'model', flavor: 'sklearn' }
]);
