// Worker-thread bootstrap used when the bridge runs from TypeScript sources (tsx): registers the
// TypeScript loader inside the worker, then loads the host entry named in workerData.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
