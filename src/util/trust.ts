import type { Stats } from 'node:fs';

/**
 * A config file decides where torwatch writes, which user it becomes and what it reads, and the daemon
 * starts as root: whoever can change the file can act as torwatch. So, like sshd's StrictModes and
 * sudo's sudoers checks, the file and every directory above it must be
 *   - owned by root or by the user running torwatch,
 *   - not writable by others (a directory may be, if it has the sticky bit, like /tmp),
 *   - not group-writable unless the group is root's (gid 0): members of another group could edit it.
 * Returns the problem in words, or undefined when the file can be trusted.
 */
export function trustProblem(st: Pick<Stats, 'uid' | 'gid' | 'mode'>, euid: number, what: 'file' | 'directory'): string | undefined {
  const mode = `mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}`;
  const sticky = what === 'directory' && (st.mode & 0o1000) !== 0;
  if (st.uid !== 0 && st.uid !== euid) return `the ${what} is owned by uid ${st.uid}, not by root or the user running torwatch (uid ${euid})`;
  if ((st.mode & 0o002) !== 0 && !sticky) return `other users can write the ${what} (${mode}); chmod o-w it`;
  if ((st.mode & 0o020) !== 0 && st.gid !== 0 && !sticky) return `group ${st.gid} can write the ${what} (${mode}); chmod g-w it or give it to group root`;
  return undefined;
}
