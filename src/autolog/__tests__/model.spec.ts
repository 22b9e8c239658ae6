import { Notification } from '@jupyterlab/apputils';

import { AutologClient, IAutologStatus } from '../../api/autolog';
import { FakeServer, waitFor } from '../../__tests__/fakeServer';
import { NotebookAutologModel } from '../model';
import { AutologSetting } from '../setting';
import { IAutologState } from '../state';
import { FakeContext, FakeKernel } from './fakeNotebook';

function answer(overrides: Partial<IAutologStatus> = {}): IAutologStatus {
  return {
    enabled: true,
    reason: null,
    notebook_path: 'work/train.ipynb',
    experiment_name: 'churn',
    server_enabled: true,
    reproduced_from: null,
    ...overrides
  };
}

/** Let pending promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise(resolve => setTimeout(resolve, 0));
  }
}

describe('NotebookAutologModel', () => {
  let context: FakeContext;
  let setting: AutologSetting;
  let server: FakeServer;
  let client: AutologClient;
  let model: NotebookAutologModel;
  let notify: jest.SpyInstance;

  function create(
    options: {
      context?: FakeContext;
      kernel?: FakeKernel;
      withClient?: boolean;
    } = {}
  ): NotebookAutologModel {
    context = options.context ?? context;
    model = new NotebookAutologModel({
      context,
      kernel: options.kernel,
      setting,
      client: options.withClient === false ? null : client
    });
    return model;
  }

  beforeEach(() => {
    context = new FakeContext();
    setting = new AutologSetting();
    server = new FakeServer().on('GET', 'autolog', request => ({
      body: answer({ notebook_path: request.query['path'] })
    }));
    client = new AutologClient({ serverSettings: server.settings() });
    notify = jest.spyOn(Notification, 'error').mockReturnValue('id');
  });

  afterEach(() => {
    model?.dispose();
    context.dispose();
    setting.dispose();
    notify.mockRestore();
  });

  it('starts from the metadata and asks the server for the notebook path', async () => {
    create();
    expect(model.state.tracking).toBe(true);

    await waitFor(() => model.status !== null);

    expect(server.lastRequest.query).toEqual({ path: 'work/train.ipynb' });
    expect(model.state.experimentName).toBe('churn');
  });

  it('reads a notebook switched off in its metadata', () => {
    create({
      context: new FakeContext({ metadata: { mlplatform: { autolog: false } } })
    });
    expect(model.state).toMatchObject({
      tracking: false,
      notebookEnabled: false,
      reason: 'notebook'
    });
  });

  it('switches off: writes the metadata, saves the notebook, emits the state', async () => {
    create();
    const states: IAutologState[] = [];
    model.stateChanged.connect((_, state) => states.push(state));

    const done = await model.toggle();

    expect(done).toBe(true);
    expect(context.model.getMetadata('mlplatform')).toEqual({ autolog: false });
    expect(context.saves).toEqual(['{"autolog":false}']);
    expect(model.state).toMatchObject({ tracking: false, unsaved: false });
    expect(states.some(s => !s.tracking)).toBe(true);
    // Never "not saved" while its own save is in flight.
    expect(states.every(s => !s.unsaved)).toBe(true);

    await model.toggle();

    expect(context.model.getMetadata('mlplatform')).toBeUndefined();
    expect(context.saves).toEqual(['{"autolog":false}', 'null']);
    expect(model.state.tracking).toBe(true);
  });

  it('does not save a collaborative notebook (the server reads the live document)', async () => {
    create({ context: new FakeContext({ collaborative: true }) });

    await model.setNotebookEnabled(false);

    expect(context.model.getMetadata('mlplatform')).toEqual({ autolog: false });
    expect(context.saves).toEqual([]);
    expect(model.state.tracking).toBe(false);
  });

  it('waits for the notebook to load before writing', async () => {
    create({ context: new FakeContext({ ready: false }) });

    const done = model.setNotebookEnabled(false);
    await settle();
    expect(context.model.getMetadata('mlplatform')).toBeUndefined();

    context.markReady();
    await done;
    expect(context.model.getMetadata('mlplatform')).toEqual({ autolog: false });
  });

  it('saves one after another when toggled quickly', async () => {
    create();
    let open!: () => void;
    context.saveGate = new Promise(resolve => (open = resolve));
    let inFlight = 0;
    let most = 0;
    const save = context.save.bind(context);
    context.save = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        await save();
      } finally {
        inFlight--;
      }
    };

    const first = model.toggle();
    await settle();
    const second = model.toggle();
    await settle();
    open();
    await Promise.all([first, second]);

    expect(most).toBe(1);
    expect(context.saves).toHaveLength(2);
    expect(model.state.notebookEnabled).toBe(true);
  });

  it('follows metadata changed by someone else (a collaborator, undo)', async () => {
    create();
    const states: IAutologState[] = [];
    model.stateChanged.connect((_, state) => states.push(state));

    context.model.sharedModel.setMetadata('mlplatform', { autolog: false });

    expect(model.state.tracking).toBe(false);
    expect(states).toHaveLength(1);
    // Other metadata does not emit.
    context.model.setMetadata('tags', ['x']);
    expect(states).toHaveLength(1);
  });

  it('marks a switch changed but not saved, until the notebook is saved', async () => {
    create();
    await context.ready;

    // An undo, or the metadata editor: the model is dirty, the file is not.
    context.model.setMetadata('mlplatform', { autolog: false });
    context.model.dirty = true;
    expect(model.state).toMatchObject({ tracking: false, unsaved: true });

    await context.save();
    expect(model.state.unsaved).toBe(false);
  });

  it('never marks a collaborative notebook as unsaved', async () => {
    create({ context: new FakeContext({ collaborative: true }) });
    await context.ready;

    context.model.setMetadata('mlplatform', { autolog: false });
    context.model.dirty = true;

    expect(model.state.unsaved).toBe(false);
  });

  it('follows the user setting', () => {
    create();
    setting.set(false);
    expect(model.state).toMatchObject({
      tracking: false,
      reason: 'setting',
      action: 'open-settings'
    });
    setting.set(true);
    expect(model.state.tracking).toBe(true);
  });

  it('asks the server again for the new path after a rename', async () => {
    create();
    await waitFor(() => model.status !== null);

    context.rename('work/renamed.ipynb');

    await waitFor(() => model.status?.notebook_path === 'work/renamed.ipynb');
    expect(server.lastRequest.query).toEqual({ path: 'work/renamed.ipynb' });
  });

  it('shows the server switching tracking off for everyone', async () => {
    server = new FakeServer().on('GET', 'autolog', {
      body: answer({ enabled: false, reason: 'server', server_enabled: false })
    });
    client = new AutologClient({ serverSettings: server.settings() });
    create();

    await waitFor(() => model.state.reason === 'server');
    expect(model.state).toMatchObject({ tracking: false, canToggle: false });
  });

  it('works from metadata alone on a server without the endpoint, silently', async () => {
    server = new FakeServer();
    client = new AutologClient({ serverSettings: server.settings() });
    const debug = jest.spyOn(console, 'debug').mockImplementation(() => {});
    create();
    await waitFor(() => server.requests.length === 1);
    await settle();

    await model.toggle();
    await settle();

    expect(model.state).toMatchObject({ tracking: false, reason: 'notebook' });
    expect(model.status).toBeNull();
    // Asked again after the user's action; a 404 is never reported.
    expect(server.requests).toHaveLength(2);
    expect(notify).not.toHaveBeenCalled();
    debug.mockRestore();
  });

  it('reports other status failures only when the user acted', async () => {
    server = new FakeServer().on('GET', 'autolog', {
      status: 500,
      body: { message: 'Settings unreadable' }
    });
    client = new AutologClient({ serverSettings: server.settings() });
    const debug = jest.spyOn(console, 'debug').mockImplementation(() => {});
    create();
    await waitFor(() => server.requests.length === 1);
    await settle();
    expect(notify).not.toHaveBeenCalled();

    await model.toggle();
    await waitFor(() => notify.mock.calls.length > 0);

    expect(notify).toHaveBeenCalledTimes(1);
    expect(notify.mock.calls[0][0]).toContain('Settings unreadable');
    debug.mockRestore();
  });

  it('reports a failed save, and not a cancelled one', async () => {
    create({ withClient: false });
    context.failNextSave = new Error('Permission denied');

    expect(await model.setNotebookEnabled(false)).toBe(false);

    expect(notify).toHaveBeenCalledTimes(1);
    expect(notify.mock.calls[0][0]).toContain('could not be saved');
    expect(notify.mock.calls[0][0]).toContain('Permission denied');
    // The switch stays where the user put it, marked as not saved.
    expect(model.state).toMatchObject({
      notebookEnabled: false,
      unsaved: true
    });

    const cancel = new Error('cancelled');
    cancel.name = 'ModalCancelError';
    context.failNextSave = cancel;
    await model.setNotebookEnabled(true);
    expect(notify).toHaveBeenCalledTimes(1);
  });

  it('is off, not switchable, in a kernel that is not Python', () => {
    const kernel = new FakeKernel('ir', 'R', 'R');
    create({ kernel, withClient: false });
    expect(model.state).toMatchObject({
      tracking: false,
      reason: 'kernel',
      canToggle: false
    });

    kernel.change('python3', 'python', 'Python 3 (ipykernel)');
    expect(model.state.tracking).toBe(true);
  });

  it('uses the saved kernelspec language before a kernel runs', () => {
    create({
      context: new FakeContext({
        metadata: {
          kernelspec: {
            name: 'julia-1.10',
            display_name: 'Julia',
            language: 'julia'
          }
        }
      }),
      kernel: new FakeKernel(null, '', 'No Kernel'),
      withClient: false
    });
    expect(model.state.reason).toBe('kernel');
  });

  it('stops following everything when disposed', () => {
    create({ withClient: false });
    const states: IAutologState[] = [];
    model.stateChanged.connect((_, state) => states.push(state));

    model.dispose();
    setting.set(false);
    context.model.setMetadata('mlplatform', { autolog: false });

    expect(states).toEqual([]);
    expect(model.isDisposed).toBe(true);
  });
});
