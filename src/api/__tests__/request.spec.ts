import { ServerConnection } from '@jupyterlab/services';

import { APIError, requestAPI } from '../request';
import { FakeServer } from '../../__tests__/fakeServer';

describe('APIError', () => {
  it('carries where a search expression is wrong', async () => {
    const server = new FakeServer().on('POST', 'runs/search', {
      status: 400,
      body: {
        message: "Invalid filter at position 14: expected a value after '>'",
        reason: 'Bad Request',
        details: { field: 'filter', position: 14, reason: 'expected a value' }
      }
    });

    const error = await requestAPI(
      'runs/search',
      { method: 'POST', body: '{}' },
      server.settings()
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(APIError);
    expect(error).toBeInstanceOf(ServerConnection.ResponseError);
    expect((error as APIError).details).toEqual({
      field: 'filter',
      position: 14,
      reason: 'expected a value'
    });
    expect((error as APIError).message).toMatch(/position 14/);
  });

  it('has no details for other errors', async () => {
    const server = new FakeServer().on('GET', 'experiments/9', {
      status: 404,
      body: { message: 'Experiment 9 does not exist' }
    });

    const error = await requestAPI(
      'experiments/9',
      {},
      server.settings()
    ).catch((e: unknown) => e);

    expect((error as APIError).details).toBeNull();
  });
});
