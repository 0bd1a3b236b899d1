// The shared engine suite on the native (napi-rs) backend.
import { loader, skipReason } from './test-support/backends.js';
import { runEngineSuite } from './test-support/suite.js';

runEngineSuite({ name: 'native', load: loader('native'), skip: skipReason('native') });
