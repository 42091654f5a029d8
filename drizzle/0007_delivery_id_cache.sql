-- Each backend takes delivery ids 1,000 at a time: measured 0.5 s less per million
-- planned deliveries. Ids stay unique; they may have gaps and need not follow time.
ALTER TABLE deliveries ALTER COLUMN id SET CACHE 1000;
