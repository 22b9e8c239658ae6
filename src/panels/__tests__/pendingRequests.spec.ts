import { Notification } from '@jupyterlab/apputils';

import { PendingRequests } from '../pendingRequests';

describe('PendingRequests', () => {
  it('is active while a request runs and tells the owner each change', async () => {
    const seen: boolean[] = [];
    const requests: PendingRequests = new PendingRequests(() =>
      seen.push(requests.active)
    );
    let finish: (value: number) => void = () => undefined;
    const running = requests.run(
      () => new Promise<number>(resolve => (finish = resolve))
    );
    expect(requests.active).toBe(true);
    finish(3);
    await expect(running).resolves.toBe(3);
    expect(requests.active).toBe(false);
    expect(seen).toEqual([true, false]);
  });

  it('reports a failed tracked request and resolves with undefined', async () => {
    const notify = jest.spyOn(Notification, 'error').mockReturnValue('id');
    const requests = new PendingRequests(() => undefined);

    const result = await requests.track(
      () => Promise.reject(new Error('server down')),
      'Could not load'
    );

    expect(result).toBeUndefined();
    expect(requests.active).toBe(false);
    expect(notify).toHaveBeenCalledWith('Could not load: server down', {
      autoClose: 8000
    });
    notify.mockRestore();
  });
});
