import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IRunKeys } from '../../../api/tracking';
import { pinIcon } from '../../../icons';
import { availableColumnIds, makeColumn } from '../columns';

const CHOOSER_CLASS = 'jp-mlp-ColumnChooser';
const POPUP_CLASS = 'jp-mlp-ColumnChooser-popup';
const GROUP_CLASS = 'jp-mlp-ColumnChooser-group';
const ITEM_CLASS = 'jp-mlp-ColumnChooser-item';
const PIN_CLASS = 'jp-mlp-ColumnChooser-pin';

export interface IColumnChooserProps {
  keys: IRunKeys;
  visible: readonly string[];
  isPinned: (id: string) => boolean;
  onToggle: (id: string) => void;
  onTogglePinned: (id: string) => void;
  onReset: () => void;
  trans: TranslationBundle;
}

/**
 * A "Columns" button with a popup listing run attributes and every param,
 * metric and tag key: a checkbox shows a column, a pin keeps it at the left.
 */
export function ColumnChooser(props: IColumnChooserProps): JSX.Element {
  const { keys, visible, trans } = props;
  const [open, setOpen] = React.useState(false);
  const [search, setSearch] = React.useState('');
  const root = React.useRef<HTMLDivElement>(null);

  React.useEffect(() => {
    if (!open) {
      return;
    }
    const onDown = (event: MouseEvent): void => {
      if (!root.current?.contains(event.target as Node)) {
        setOpen(false);
      }
    };
    document.addEventListener('mousedown', onDown, true);
    return () => document.removeEventListener('mousedown', onDown, true);
  }, [open]);

  const available = availableColumnIds(keys);
  const groups: Array<[string, string[]]> = [
    [trans.__('Attributes'), available.attributes],
    [trans.__('Metrics'), available.metrics],
    [trans.__('Params'), available.params],
    [trans.__('Tags'), available.tags]
  ];
  const needle = search.trim().toLowerCase();

  return (
    <div className={CHOOSER_CLASS} ref={root}>
      <button
        type="button"
        className="jp-mlp-ToolbarButton"
        aria-haspopup="dialog"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        {trans.__('Columns')}
      </button>
      {open && (
        <div
          className={POPUP_CLASS}
          role="dialog"
          aria-label={trans.__('Choose columns')}
          onKeyDown={event => {
            if (event.key === 'Escape') {
              setOpen(false);
              event.stopPropagation();
            }
          }}
        >
          <input
            type="search"
            autoFocus
            value={search}
            placeholder={trans.__('Find a column')}
            aria-label={trans.__('Find a column')}
            onChange={event => setSearch(event.target.value)}
          />
          {groups.map(([title, ids]) => {
            const shown = ids.filter(id => id.toLowerCase().includes(needle));
            if (shown.length === 0) {
              return null;
            }
            return (
              <fieldset key={title} className={GROUP_CLASS}>
                <legend>{title}</legend>
                {shown.map(id => {
                  const label = makeColumn(id, trans)?.label ?? id;
                  const pinned = props.isPinned(id);
                  return (
                    <div key={id} className={ITEM_CLASS}>
                      <label title={id}>
                        <input
                          type="checkbox"
                          checked={visible.includes(id)}
                          onChange={() => props.onToggle(id)}
                        />
                        {label}
                      </label>
                      <button
                        type="button"
                        className={PIN_CLASS}
                        aria-pressed={pinned}
                        title={
                          pinned
                            ? trans.__('Unpin %1', label)
                            : trans.__('Pin %1 to the left', label)
                        }
                        aria-label={
                          pinned
                            ? trans.__('Unpin %1', label)
                            : trans.__('Pin %1 to the left', label)
                        }
                        disabled={!visible.includes(id)}
                        onClick={() => props.onTogglePinned(id)}
                      >
                        <pinIcon.react tag="span" width="14px" height="14px" />
                      </button>
                    </div>
                  );
                })}
              </fieldset>
            );
          })}
          <button
            type="button"
            className="jp-mlp-ToolbarButton"
            onClick={() => props.onReset()}
          >
            {trans.__('Reset to defaults')}
          </button>
        </div>
      )}
    </div>
  );
}
