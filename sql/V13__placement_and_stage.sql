-- Layouts that place sections around a stage (an arena's bowl), curve rows, and name a
-- focal point that "best available" measures from.
--
-- A seat's drawing position (x, y) no longer tells which seats are side by side once a
-- section is turned or a row curved, so each seat keeps its place in its row (aisles and
-- missing numbers count as places); before this the place was floor(x), which is what
-- existing seats get.
ALTER TABLE seats ADD COLUMN place int;
UPDATE seats SET place = floor(x)::int;
ALTER TABLE seats ALTER COLUMN place SET NOT NULL;

-- The focal point of the show's layout, in its seats' coordinates, and each seat row's
-- distance to it (its nearest seat's): "best available" first considers the rows nearest
-- the stage, as it considers the front rows of a layout without one.
ALTER TABLE shows
    ADD COLUMN stage_x real,
    ADD COLUMN stage_y real,
    ADD COLUMN stage_label text,
    ADD CONSTRAINT shows_stage_check CHECK ((stage_x IS NULL) = (stage_label IS NULL));
ALTER TABLE show_rows ADD COLUMN distance real;
