import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `job_steps.input_ref` (#19, a payload stored once): a step input's values that are the job's own
 * trigger values (`{{ trigger.body }}` posted on) are stored as null at their place plus
 * `[{ at, from }]`, paths into the input and into `jobs.trigger`, instead of a second copy of the
 * trigger. `job_step_input` puts them back; every reader of step rows selects through it.
 */
export class JobStepInputRef1767900000000 implements MigrationInterface {
  name = 'JobStepInputRef1767900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE job_steps ADD COLUMN input_ref jsonb`);
    await q.query(`
      CREATE FUNCTION job_step_input(input jsonb, refs jsonb, trigger jsonb) RETURNS jsonb
      LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
      DECLARE
        r jsonb;
        at text[];
        val jsonb;
        resolved jsonb := input;
      BEGIN
        IF refs IS NULL THEN RETURN input; END IF;
        FOR r IN SELECT value FROM jsonb_array_elements(refs) LOOP
          at := ARRAY(SELECT jsonb_array_elements_text(r->'at'));
          val := coalesce(trigger #> ARRAY(SELECT jsonb_array_elements_text(r->'from')), 'null'::jsonb);
          resolved := CASE WHEN cardinality(at) = 0 THEN val ELSE jsonb_set(resolved, at, val) END;
        END LOOP;
        RETURN resolved;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    // the references are resolved into the rows first: the older schema keeps whole inputs
    await q.query(`UPDATE job_steps s SET input = job_step_input(s.input, s.input_ref, j.trigger) FROM jobs j WHERE j.id = s.job_id AND s.input_ref IS NOT NULL`);
    await q.query(`DROP FUNCTION job_step_input(jsonb, jsonb, jsonb)`);
    await q.query(`ALTER TABLE job_steps DROP COLUMN input_ref`);
  }
}
