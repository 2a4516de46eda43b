// Reads a password from the terminal without echoing it. Only for a TTY: the terminal goes into raw
// mode, so every key arrives as typed and nothing is printed back; Enter ends, Backspace deletes,
// Ctrl-C and Ctrl-D (on an empty line) cancel.

export interface PromptInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
}

export interface PromptOutput {
  write(chunk: string): unknown;
}

/** The typed text, or undefined when the user cancelled (Ctrl-C, Ctrl-D, end of input). */
export function readHidden(question: string, input: PromptInput, output: PromptOutput): Promise<string | undefined> {
  output.write(question);
  return new Promise((resolve) => {
    let typed = '';
    const finish = (value: string | undefined): void => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      resolve(value);
    };
    const onEnd = (): void => finish(undefined);
    const onData = (chunk: string | Buffer): void => {
      for (const char of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish(typed);
        if (char === '\u0003' || (char === '\u0004' && typed.length === 0)) return finish(undefined);
        if (char === '\u007f' || char === '\b') typed = Array.from(typed).slice(0, -1).join('');
        else if (char >= ' ') typed += char;
      }
    };
    input.setRawMode?.(true);
    input.on('data', onData);
    input.once('end', onEnd);
    input.resume();
  });
}
