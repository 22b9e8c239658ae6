/*
 * Deployment names: derived from what the user knows (the experiment or the
 * run), made to fit `^[a-z0-9][a-z0-9-]{0,62}$`.
 */
import { DEPLOYMENT_NAME_PATTERN } from '../../api/deployments';

/** The longest name the server takes. */
const MAX_LENGTH = 63;

/**
 * Make `text` a valid deployment name: lower case, every run of other
 * characters becomes one `-`, no `-` at either end, at most 63 characters;
 * `fallback` when nothing is left.
 */
export function sanitizeName(text: string, fallback = 'model'): string {
  const name = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, MAX_LENGTH)
    .replace(/-+$/, '');
  return name.length > 0 ? name : fallback;
}

/**
 * Whether `name` is a valid deployment name.
 */
export function isValidName(name: string): boolean {
  return DEPLOYMENT_NAME_PATTERN.test(name);
}

/**
 * The name proposed for deploying a run's model: the experiment's name (a
 * notebook path for automatic tracking: its file name without `.ipynb`),
 * else the run's name.
 */
export function suggestName(options: {
  experimentName?: string | null;
  runName?: string | null;
  runId: string;
}): string {
  const experiment = (options.experimentName ?? '')
    .split('/')
    .pop()!
    .replace(/\.ipynb$/i, '');
  // The default experiment says nothing about the model.
  const useful = experiment && experiment.toLowerCase() !== 'default';
  const source = useful ? experiment : (options.runName ?? '');
  return sanitizeName(source, `run-${sanitizeName(options.runId.slice(0, 8))}`);
}
