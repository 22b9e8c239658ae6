/*
 * The command that compares runs side by side (its code loads on first use).
 */
import type { IDisposable } from '@lumino/disposable';

import { experimentsIcon } from '../../icons';
import { CommandIDs, COMPARE_RUNS_LIMITS } from '../../tokens';
import {
  IExperimentsContext,
  RUNS_ARGS,
  targetRuns
} from '../experiments/commands/context';

/**
 * Whether that many runs can be compared.
 */
export function canCompare(count: number): boolean {
  return count >= COMPARE_RUNS_LIMITS.min && count <= COMPARE_RUNS_LIMITS.max;
}

export function addCompareRuns(ctx: IExperimentsContext): IDisposable {
  const { client, commands, events, shell, trans } = ctx;
  return commands.addCommand(CommandIDs.compareRuns, {
    label: args => {
      const count = targetRuns(ctx, args).length;
      return count >= COMPARE_RUNS_LIMITS.min
        ? trans.__('Compare %1 Runs', count)
        : trans.__('Compare Runs');
    },
    caption: trans.__(
      'Select %1 to %2 runs to compare them',
      COMPARE_RUNS_LIMITS.min,
      COMPARE_RUNS_LIMITS.max
    ),
    describedBy: RUNS_ARGS,
    isEnabled: args => canCompare(targetRuns(ctx, args).length),
    execute: async args => {
      const { ComparePanel } = await import('./ComparePanel');
      const widget = new ComparePanel({
        runIds: targetRuns(ctx, args),
        client,
        events,
        commands,
        maxPoints: ctx.settings.chartMaxPoints,
        trans
      });
      widget.title.icon = experimentsIcon;
      void ctx.comparePanels.add(widget);
      shell.add(widget, 'main', { mode: 'tab-after' });
      shell.activateById(widget.id);
    }
  });
}
