import { NotebookModel } from '@jupyterlab/notebook';

import {
  AUTOLOG_KEY,
  METADATA_KEY,
  readNotebookAutolog,
  writeNotebookAutolog
} from '../metadata';

describe('notebook autolog metadata', () => {
  let model: NotebookModel;

  beforeEach(() => {
    model = new NotebookModel();
  });

  afterEach(() => {
    model.dispose();
  });

  it('uses the contract keys mlplatform.autolog', () => {
    expect(METADATA_KEY).toBe('mlplatform');
    expect(AUTOLOG_KEY).toBe('autolog');
  });

  it('is on when the key is absent', () => {
    expect(readNotebookAutolog(model)).toBe(true);
    model.setMetadata('mlplatform', { experiment: 'x' });
    expect(readNotebookAutolog(model)).toBe(true);
  });

  it('is off only for an explicit false', () => {
    model.setMetadata('mlplatform', { autolog: false });
    expect(readNotebookAutolog(model)).toBe(false);
    model.setMetadata('mlplatform', { autolog: true });
    expect(readNotebookAutolog(model)).toBe(true);
    model.setMetadata('mlplatform', { autolog: 'false' });
    expect(readNotebookAutolog(model)).toBe(true);
    model.setMetadata('mlplatform', 'off');
    expect(readNotebookAutolog(model)).toBe(true);
  });

  it('writes false to switch off, keeping other keys of mlplatform', () => {
    model.setMetadata('mlplatform', { experiment: 'churn' });

    expect(writeNotebookAutolog(model, false)).toBe(true);

    expect(model.getMetadata('mlplatform')).toEqual({
      experiment: 'churn',
      autolog: false
    });
    expect(model.toJSON().metadata.mlplatform).toEqual({
      experiment: 'churn',
      autolog: false
    });
  });

  it('removes the key to switch on, and mlplatform when it is left empty', () => {
    writeNotebookAutolog(model, false);
    expect(model.toJSON().metadata.mlplatform).toEqual({ autolog: false });

    expect(writeNotebookAutolog(model, true)).toBe(true);

    expect(readNotebookAutolog(model)).toBe(true);
    expect('mlplatform' in model.toJSON().metadata).toBe(false);
  });

  it('keeps mlplatform when other keys are left after switching on', () => {
    model.setMetadata('mlplatform', { autolog: false, experiment: 'churn' });

    writeNotebookAutolog(model, true);

    expect(model.getMetadata('mlplatform')).toEqual({ experiment: 'churn' });
  });

  it('does not touch the metadata when the switch is already so', () => {
    const changes: string[] = [];
    model.metadataChanged.connect((_, change) => changes.push(change.key));

    expect(writeNotebookAutolog(model, true)).toBe(false);
    model.setMetadata('mlplatform', { autolog: false });
    changes.length = 0;
    expect(writeNotebookAutolog(model, false)).toBe(false);

    expect(changes).toEqual([]);
  });

  it('emits metadataChanged for mlplatform', () => {
    const changes: string[] = [];
    model.metadataChanged.connect((_, change) => changes.push(change.key));

    writeNotebookAutolog(model, false);

    expect(changes).toContain('mlplatform');
  });
});
