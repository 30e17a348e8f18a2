import { closeLeftOpen } from './left-open';

// Registered before the file's own hooks, in its outermost block: runs after every describe block's `afterAll`.
afterAll(closeLeftOpen, 120_000);
