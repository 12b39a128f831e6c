/** The command line as typed (`emovox` and its arguments, quoted where needed), for model cards and reports. */
export function commandLine(argv: readonly string[]): string {
  return ['emovox', ...argv].map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a)).join(' ');
}
