/*
 * What the chip on a code cell says about its last execution.
 */
import { TranslationBundle } from '@jupyterlab/translation';

import type { IExecutionRecord } from '../../api/collab';
import { formatDuration } from '../../panels/format';
import { displayName } from '../identity';
import type { IStaleInfo } from './stale';
import { clockTime, relativeTime, shortClockTime } from '../time';

const MINUTE = 60_000;

/**
 * The short state next to the time: "running", "running for 3 min", the
 * duration of a finished run ("3.2 s"), "error · 1.1 s", "not run".
 */
export function executionState(
  record: IExecutionRecord,
  now: number,
  trans: TranslationBundle
): string {
  switch (record.status) {
    case 'running': {
      const minutes = Math.floor((now - record.started) / MINUTE);
      return minutes < 1
        ? trans.__('running')
        : trans._n('running for %1 min', 'running for %1 min', minutes);
    }
    case 'aborted':
      return trans.__('not run');
    case 'error':
      return typeof record.ended === 'number'
        ? trans.__('error · %1', formatDuration(record.ended - record.started))
        : trans.__('error');
    default:
      return typeof record.ended === 'number'
        ? formatDuration(record.ended - record.started)
        : '';
  }
}

/**
 * The chip's tooltip: "Run by Alice Smith at 10:02:13 ([12])", then how it
 * went.
 */
export function executionTooltip(
  record: IExecutionRecord,
  now: number,
  trans: TranslationBundle
): string {
  const name = displayName(record.user);
  const at = clockTime(record.started, now);
  const count = record.execution_count;
  const first =
    typeof count === 'number'
      ? trans.__('Run by %1 at %2 ([%3])', name, at, count)
      : trans.__('Run by %1 at %2', name, at);
  const took =
    typeof record.ended === 'number'
      ? formatDuration(record.ended - record.started)
      : null;
  let second: string;
  switch (record.status) {
    case 'running':
      second = trans.__(
        'Running for %1',
        formatDuration(Math.max(0, now - record.started))
      );
      break;
    case 'error':
      second = took
        ? trans.__('Failed with an error after %1', took)
        : trans.__('Failed with an error');
      break;
    case 'aborted':
      second = trans.__(
        'Not run: the kernel dropped the request (an earlier cell failed or the kernel was interrupted)'
      );
      break;
    default:
      second = took
        ? trans.__('Finished after %1', took)
        : trans.__('Finished');
  }
  return `${first}\n${second}`;
}

/**
 * Where the cell link goes in `IStaleNoteText.template` (a private-use
 * character: no name or translation contains it).
 */
export const LINK_MARK = '\uE000';

/**
 * The parts of the stale note, its link (the re-run cell) apart.
 */
export interface IStaleNoteText {
  /** The sentence with `LINK_MARK` where the cell link goes. */
  template: string;
  /** The link's text ("cell 3"). */
  cellLabel: string;
  /** The whole sentence, with the exact times, for the tooltip. */
  title: string;
}

/**
 * "Stale: cell 3 was re-run by Bob at 10:02 after this output".
 */
export function staleNote(
  info: IStaleInfo,
  now: number,
  trans: TranslationBundle
): IStaleNoteText {
  const { cause, count } = info;
  const who = displayName(cause.user);
  const cellLabel = trans.__('cell %1', cause.index + 1);
  const sentence = (time: string, link: string): string =>
    cause.running
      ? trans.__(
          'Stale: %1 is being re-run by %2 (since %3) after this output',
          link,
          who,
          time
        )
      : trans.__(
          'Stale: %1 was re-run by %2 at %3 after this output',
          link,
          who,
          time
        );
  const more =
    count > 1
      ? ' ' +
        trans._n(
          '(and %1 more cell above)',
          '(and %1 more cells above)',
          count - 1
        )
      : '';
  return {
    template: sentence(shortClockTime(cause.started, now), LINK_MARK) + more,
    cellLabel,
    title:
      sentence(clockTime(cause.started, now), cellLabel) +
      more +
      '\n' +
      trans.__('Run this cell again to bring its output up to date.')
  };
}

/**
 * The chip's time: how long ago the execution started.
 */
export function executionTime(
  record: IExecutionRecord,
  now: number,
  trans: TranslationBundle
): string {
  return relativeTime(record.started, now, trans);
}
