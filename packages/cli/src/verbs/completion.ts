import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';

// Each script asks `weft __complete <words so far>` for the candidates, so the three shells complete
// the same things (verbs, kinds, flags, flag values, object names from the cluster).
const scripts: Readonly<Record<string, string>> = {
  bash: `# weft completion for bash: source <(weft completion bash)
_weft() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local IFS=$'\\n'
  COMPREPLY=( $(compgen -W "$(weft __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)" -- "$cur") )
}
complete -o default -F _weft weft
`,
  zsh: `#compdef weft
# weft completion for zsh: weft completion zsh > "\${fpath[1]}/_weft", or source <(weft completion zsh)
_weft() {
  local -a candidates
  candidates=("\${(@f)$(weft __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -a candidates
}
if [[ "\${funcstack[1]}" == "_weft" ]]; then _weft "$@"; else compdef _weft weft; fi
`,
  fish: `# weft completion for fish: weft completion fish > ~/.config/fish/completions/weft.fish
function __weft_complete
    set -l tokens (commandline -opc) (commandline -ct)
    weft __complete $tokens[2..-1] 2>/dev/null
end
complete -c weft -f -a '(__weft_complete)'
`,
};

/** `weft completion bash|zsh|fish`. */
export async function run(context: CommandContext): Promise<number> {
  const shell = context.args[0];
  const script = shell === undefined ? undefined : scripts[shell];
  if (!script) throw new UsageError(`name a shell: weft completion bash, zsh or fish${shell ? ` (not "${shell}")` : ''}`, 2);
  context.io.stdout.write(script);
  return 0;
}
