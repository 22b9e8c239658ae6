/*
 * The dialog that names a new experiment (the sidebar's button and the
 * "New Experiment…" command ask the same way).
 */
import { InputDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

/**
 * Ask for the name of a new experiment: the trimmed name, or `null` when
 * cancelled or left empty.
 */
export async function askExperimentName(
  trans: TranslationBundle
): Promise<string | null> {
  const result = await InputDialog.getText({
    title: trans.__('New experiment'),
    label: trans.__('Name'),
    placeholder: trans.__('my-experiment'),
    okLabel: trans.__('Create')
  });
  const name = result.value?.trim();
  return result.button.accept && name ? name : null;
}
