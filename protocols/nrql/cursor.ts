import { QueryValidationError } from '../errors.ts';
import { describeToken, Lexer, type Token } from './lexer.ts';
import { querySyntaxError } from './syntax-error.ts';

/** Words that cannot be bare attribute or event-type names; backticks (`` `limit` ``) lift that. */
const RESERVED = new Set([
  'select', 'from', 'where', 'facet', 'limit', 'timeseries', 'with',
  'and', 'or', 'not', 'in', 'like', 'is', 'null', 'as', 'true', 'false',
]);

/**
 * The parser's view of the token stream: keyword tests, expectations that
 * fail with a positioned `QuerySyntaxError`, and validation errors that name
 * where the offending text starts.
 */
export class TokenCursor {
  readonly text: string;
  readonly #lexer: Lexer;

  constructor(text: string) {
    this.text = text;
    this.#lexer = new Lexer(text);
  }

  peek(distance = 0): Token {
    return this.#lexer.peek(distance);
  }

  next(): Token {
    return this.#lexer.next();
  }

  /** Whether the token is the keyword `keyword` (given in lower case), whatever its case in the text. */
  isKeyword(token: Token, keyword: string): boolean {
    return token.kind === 'word' && token.text.toLowerCase() === keyword;
  }

  atKeyword(keyword: string, distance = 0): boolean {
    return this.isKeyword(this.peek(distance), keyword);
  }

  atSymbol(symbol: string, distance = 0): boolean {
    const token = this.peek(distance);
    return token.kind === 'symbol' && token.text === symbol;
  }

  acceptKeyword(keyword: string): boolean {
    if (!this.atKeyword(keyword)) return false;
    this.next();
    return true;
  }

  acceptSymbol(symbol: string): boolean {
    if (!this.atSymbol(symbol)) return false;
    this.next();
    return true;
  }

  expectKeyword(keyword: string, expected = keyword.toUpperCase()): Token {
    if (!this.atKeyword(keyword)) throw this.syntaxError(expected);
    return this.next();
  }

  expectSymbol(symbol: string, expected = `'${symbol}'`): Token {
    if (!this.atSymbol(symbol)) throw this.syntaxError(expected);
    return this.next();
  }

  /** An attribute or event-type name: a non-reserved word or a backtick-quoted name. */
  expectName(expected: string): string {
    const token = this.peek();
    if (token.kind === 'quotedName') {
      this.next();
      return token.value;
    }
    if (token.kind === 'word' && !RESERVED.has(token.text.toLowerCase())) {
      this.next();
      return token.text;
    }
    throw this.syntaxError(expected);
  }

  expectNumber(expected: string): Token & { kind: 'number' } {
    const token = this.peek();
    if (token.kind !== 'number') throw this.syntaxError(expected);
    this.next();
    return token;
  }

  /** A syntax error at the next token (or at `token`), saying what was expected there. */
  syntaxError(expected: string, token: Token = this.peek(), found: string = describeToken(token)): Error {
    return querySyntaxError(this.text, token.position, expected, found);
  }

  validationError(message: string, position: number): QueryValidationError {
    return new QueryValidationError(`${message} (at position ${position} of the query)`);
  }
}
