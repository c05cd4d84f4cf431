/**
 * Ctrl-C and `kill`: the first SIGINT / SIGTERM asks the run to stop between files (the file being written is
 * finished, whole); the runner then prints what it wrote and what it did not, and how to resume. A second signal
 * ends the process at once (no file is half written either way: writes are a temporary file and a rename).
 */
export interface StopListener {
  /** True once a signal came. */
  readonly requested: () => boolean;
  /** The exit code for the signal that stopped the run: 128 + its number, as shells report it (130, 143). */
  readonly exitCode: () => number;
  readonly dispose: () => void;
}

const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export function listenForStop(): StopListener {
  let signal: keyof typeof SIGNAL_EXIT_CODES | undefined;
  const handlers = (Object.keys(SIGNAL_EXIT_CODES) as (keyof typeof SIGNAL_EXIT_CODES)[]).map((name) => {
    const handler = (): void => {
      if (signal !== undefined) process.exit(SIGNAL_EXIT_CODES[name]);
      signal = name;
      process.stderr.write(`\nquickwins: ${name}: stopping after the file being written (again to quit at once)\n`);
    };
    process.on(name, handler);
    return () => process.off(name, handler);
  });
  return {
    requested: () => signal !== undefined,
    exitCode: () => (signal === undefined ? 1 : SIGNAL_EXIT_CODES[signal]),
    dispose: () => handlers.forEach((remove) => remove()),
  };
}
