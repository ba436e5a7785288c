-- A finished job's result (JSON: output name -> values), as NodeTool's job records keep it.
ALTER TABLE nodetool_jobs ADD COLUMN result TEXT;
