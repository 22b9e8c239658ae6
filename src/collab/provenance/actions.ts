/*
 * The links of provenance chains, from the application's commands and
 * document manager.
 */
import { IDocumentManager } from '@jupyterlab/docmanager';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';

import { openRunSource } from '../../panels/experiments/openSource';
import { CommandIDs } from '../../tokens';
import type { IProvenanceActions } from './ProvenanceChain';

/**
 * Provenance links: the endpoint opens the Deploy panel at it
 * (`mlplatform:open-deploy`), the run opens the run view
 * (`mlplatform:open-run`), the cell opens its notebook at that cell
 * (`openNotebookAtCell`, through `openRunSource`; text only without a
 * document manager).
 */
export function provenanceActions(options: {
  commands: CommandRegistry;
  docManager: IDocumentManager | null;
  trans: TranslationBundle;
}): IProvenanceActions {
  const { commands, docManager, trans } = options;
  const run = (command: string, args: Record<string, string>): void => {
    if (commands.hasCommand(command)) {
      void commands.execute(command, args);
    }
  };
  return {
    openDeployment: name => run(CommandIDs.openDeploy, { name }),
    openRun: runId => run(CommandIDs.openRun, { runId }),
    openCell: docManager
      ? source => void openRunSource(docManager, source, trans)
      : null
  };
}
