import * as React from 'react';

import type {
  DeploymentsClient,
  IDeploymentMetadata
} from '../../../api/deployments';

/**
 * The scoring server's metadata, read once per serving version; `null`
 * until read or when unavailable (the snippets and the console then use a
 * generic example, and say why).
 */
export function useMetadata(
  client: DeploymentsClient,
  name: string,
  version: number,
  serving: boolean
): { metadata: IDeploymentMetadata | null; error: string | null } {
  const [metadata, setMetadata] = React.useState<IDeploymentMetadata | null>(
    null
  );
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => {
    if (!serving) {
      return;
    }
    let cancelled = false;
    client
      .metadata(name)
      .then(value => {
        if (!cancelled) {
          setMetadata(value);
          setError(null);
        }
      })
      .catch(reason => {
        if (!cancelled) {
          setError(reason instanceof Error ? reason.message : String(reason));
        }
      });
    return () => {
      cancelled = true;
    };
  }, [client, name, version, serving]);
  return { metadata, error };
}
