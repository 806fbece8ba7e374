/**
 * Lambda checks each request member against its API model and lists every violation in one
 * ValidationException, in these words.
 */
export class Violations {
  readonly list: string[] = [];

  length(member: string, value: string, min: number, max: number): this {
    if (value.length > max) this.add(member, value, `Member must have length less than or equal to ${max}`);
    if (value.length < min) this.add(member, value, `Member must have length greater than or equal to ${min}`);
    return this;
  }

  pattern(member: string, value: string, pattern: string): this {
    if (!new RegExp(`^(?:${pattern})$`).test(value)) {
      this.add(member, value, `Member must satisfy regular expression pattern: ${pattern}`);
    }
    return this;
  }

  oneOf(member: string, value: string, allowed: readonly string[]): this {
    if (!allowed.includes(value)) this.add(member, value, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
    return this;
  }

  private add(member: string, value: string, constraint: string): void {
    this.list.push(`Value '${value}' at '${member}' failed to satisfy constraint: ${constraint}`);
  }
}
