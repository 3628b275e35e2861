import fc from 'fast-check';

/**
 * Property tests run the same cases on every run, so CI never fails on a case no one has seen
 * (a failure there reproduces here). Set FC_SEED to explore other cases; fast-check prints the
 * seed and path of any counterexample it finds.
 */
export const FC_SEED = Number(process.env.FC_SEED ?? 20_261_202);
fc.configureGlobal({ seed: FC_SEED });
