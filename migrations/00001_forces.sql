-- The ten regions of England and Wales and their 43 territorial forces, as
-- in Appendix 1 of the 2024 inspection of the south-west region.

-- +goose Up
CREATE TABLE regions (
    code text PRIMARY KEY CHECK (code ~ '^[a-z]+(-[a-z]+)*$'),
    name text NOT NULL,
    rocu text NOT NULL
);

CREATE TABLE forces (
    code   text PRIMARY KEY CHECK (code ~ '^[a-z]+(-[a-z]+)*$'),
    name   text NOT NULL UNIQUE,
    region text NOT NULL REFERENCES regions (code)
);

INSERT INTO regions (code, name, rocu) VALUES
    ('north-east', 'North East', 'North East Regional Organised Crime Unit'),
    ('yorkshire-and-the-humber', 'Yorkshire and the Humber', 'Yorkshire and the Humber Regional Organised Crime Unit'),
    ('north-west', 'North West', 'North West Regional Organised Crime Unit'),
    ('wales', 'Wales', 'Tarian'),
    ('west-midlands', 'West Midlands', 'Regional Organised Crime Unit for the West Midlands Region'),
    ('east-midlands', 'East Midlands', 'East Midlands Special Operations Unit'),
    ('eastern', 'Eastern', 'Eastern Region Special Operations Unit'),
    ('south-west', 'South West', 'South West Regional Organised Crime Unit'),
    ('london', 'London', 'London region collaborative arrangement'),
    ('south-east', 'South East', 'South East Regional Organised Crime Unit');

INSERT INTO forces (code, name, region) VALUES
    ('cleveland', 'Cleveland Police', 'north-east'),
    ('durham', 'Durham Constabulary', 'north-east'),
    ('northumbria', 'Northumbria Police', 'north-east'),
    ('humberside', 'Humberside Police', 'yorkshire-and-the-humber'),
    ('north-yorkshire', 'North Yorkshire Police', 'yorkshire-and-the-humber'),
    ('south-yorkshire', 'South Yorkshire Police', 'yorkshire-and-the-humber'),
    ('west-yorkshire', 'West Yorkshire Police', 'yorkshire-and-the-humber'),
    ('cheshire', 'Cheshire Constabulary', 'north-west'),
    ('cumbria', 'Cumbria Constabulary', 'north-west'),
    ('greater-manchester', 'Greater Manchester Police', 'north-west'),
    ('lancashire', 'Lancashire Constabulary', 'north-west'),
    ('merseyside', 'Merseyside Police', 'north-west'),
    ('north-wales', 'North Wales Police', 'north-west'),
    ('dyfed-powys', 'Dyfed-Powys Police', 'wales'),
    ('gwent', 'Gwent Police', 'wales'),
    ('south-wales', 'South Wales Police', 'wales'),
    ('warwickshire', 'Warwickshire Police', 'west-midlands'),
    ('west-mercia', 'West Mercia Police', 'west-midlands'),
    ('west-midlands', 'West Midlands Police', 'west-midlands'),
    ('staffordshire', 'Staffordshire Police', 'west-midlands'),
    ('derbyshire', 'Derbyshire Constabulary', 'east-midlands'),
    ('leicestershire', 'Leicestershire Police', 'east-midlands'),
    ('lincolnshire', 'Lincolnshire Police', 'east-midlands'),
    ('northamptonshire', 'Northamptonshire Police', 'east-midlands'),
    ('nottinghamshire', 'Nottinghamshire Police', 'east-midlands'),
    ('bedfordshire', 'Bedfordshire Police', 'eastern'),
    ('cambridgeshire', 'Cambridgeshire Constabulary', 'eastern'),
    ('essex', 'Essex Police', 'eastern'),
    ('hertfordshire', 'Hertfordshire Constabulary', 'eastern'),
    ('kent', 'Kent Police', 'eastern'),
    ('norfolk', 'Norfolk Constabulary', 'eastern'),
    ('suffolk', 'Suffolk Constabulary', 'eastern'),
    ('avon-and-somerset', 'Avon and Somerset Police', 'south-west'),
    ('devon-and-cornwall', 'Devon and Cornwall Police', 'south-west'),
    ('dorset', 'Dorset Police', 'south-west'),
    ('gloucestershire', 'Gloucestershire Constabulary', 'south-west'),
    ('wiltshire', 'Wiltshire Police', 'south-west'),
    ('metropolitan', 'Metropolitan Police Service', 'london'),
    ('city-of-london', 'City of London Police', 'london'),
    ('hampshire', 'Hampshire and Isle of Wight Constabulary', 'south-east'),
    ('surrey', 'Surrey Police', 'south-east'),
    ('sussex', 'Sussex Police', 'south-east'),
    ('thames-valley', 'Thames Valley Police', 'south-east');

-- +goose Down
DROP TABLE forces;
DROP TABLE regions;
